"""Automations: a trigger puts a party into a flow of steps; each party's run keeps its step,
when it is due next, a context and a log. `automations_tick` (the beat task) lets parties
enter (segment entry, date fields) and advances every due run; domain events (lead created,
sales order confirmed, transfer done) start runs as they happen.

Steps (a list, run in order; `branch` jumps):
- {"type": "wait", "hours": h} (or "days")
- {"type": "wait_event", "event": "opened|clicked|bought", "timeout_hours": h}: goes on when
  it happens or when the timeout passes (context "timed_out")
- {"type": "branch", "if": {"kind": "opened|clicked|bought"} | {"kind": "field", "field":
  f, "op": o, "value": v} (a segment rule), "then": i, "else": j}: jump to step i or j (a
  missing target: the next step; an index past the end: the end)
- {"type": "send_email", "template": id}: through the campaign machinery (a campaign per
  step, a trace per party: consent, suppression, tracking, unsubscribe, bounces); refused by
  the frequency cap (MARKETING_FREQUENCY_CAP messages per MARKETING_FREQUENCY_DAYS across
  campaigns and automations) it is skipped and logged "capped"
- {"type": "activity", "summary": s, "due_days": d}: a to-do for the party's owner
- {"type": "tag", "tag": name}; {"type": "add_to_segment", "segment": id} (a static one)
- {"type": "webhook", "name": s}: the event marketing.automation_webhook, delivered to the
  company's webhook endpoints that subscribe to it (core webhooks)
Opened/clicked/bought look at the run's latest email (opened, clicked) and at posted
invoices or confirmed orders since the run started (bought).
Re-entry: `once` (never again) or `after_days` (again when no run is active and the last
began at least `reentry_days` ago). An automation email goes to a party once per step.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.parties.models import Party

from ..models import (
    Automation,
    AutomationRun,
    Campaign,
    CampaignRecipient,
    CampaignState,
    EmailTemplate,
    Reentry,
    RunState,
    Segment,
    SegmentMember,
    TriggerKind,
)
from ..segments import FIELDS, compile_rules
from .caps import frequency_capped
from .consent import purpose_clean

EVENTS = {
    "lead.created": "lead_id",
    "sales_order.confirmed": "order_id",
    "stock.transfer_done": "transfer_id",
}
DATE_FIELDS = {"created_at"}
STEP_TYPES = {
    "wait",
    "wait_event",
    "branch",
    "send_email",
    "activity",
    "tag",
    "add_to_segment",
    "webhook",
}
WAIT_EVENTS = {"opened", "clicked", "bought"}
MAX_STEPS = 50
MAX_HOURS = 24 * 366


def _bad(path: str, message: str, code: str = "automation.bad_step"):
    raise ValidationFailed(f"{path}: {message}", code=code, field=path)


def _hours(step, path) -> float:
    if "days" in step:
        value, unit = step["days"], 24
    else:
        value, unit = step.get("hours"), 1
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value * unit <= MAX_HOURS
    ):
        _bad(path, f"a delay from 1 hour to {MAX_HOURS // 24} days")
    return float(value * unit)


def steps_clean(company, steps, *, automation: Automation | None = None) -> list[dict]:
    """Check a step list (codes automation.bad_step, automation.unknown_step); the send
    steps get their campaign (created once per step)."""
    if not isinstance(steps, list) or len(steps) > MAX_STEPS:
        _bad("steps", f"a list of at most {MAX_STEPS} steps")
    clean = []
    for index, step in enumerate(steps):
        path = f"steps[{index}]"
        if not isinstance(step, dict) or step.get("type") not in STEP_TYPES:
            _bad(
                f"{path}.type", f"one of {', '.join(sorted(STEP_TYPES))}", "automation.unknown_step"
            )
        kind = step["type"]
        out = {"type": kind}
        if kind == "wait":
            out["hours"] = _hours(step, path)
        elif kind == "wait_event":
            if step.get("event") not in WAIT_EVENTS:
                _bad(f"{path}.event", "opened, clicked or bought")
            out["event"] = step["event"]
            out["timeout_hours"] = _hours(
                {"hours": step.get("timeout_hours")}, f"{path}.timeout_hours"
            )
        elif kind == "branch":
            cond = step.get("if")
            if not isinstance(cond, dict):
                _bad(f"{path}.if", "a condition")
            if cond.get("kind") in WAIT_EVENTS:
                out["if"] = {"kind": cond["kind"]}
            elif cond.get("kind") == "field":
                rule = {k: cond[k] for k in ("field", "op", "value", "days") if k in cond}
                compile_rules(rule, company=company)  # refused with the segment's codes
                out["if"] = {"kind": "field", **rule}
            else:
                _bad(f"{path}.if.kind", "opened, clicked, bought or field")
            for key in ("then", "else"):
                target = step.get(key, index + 1)
                if (
                    isinstance(target, bool)
                    or not isinstance(target, int)
                    or not 0 <= target <= MAX_STEPS
                ):
                    _bad(f"{path}.{key}", "a step number")
                if target <= index:
                    _bad(f"{path}.{key}", "a later step (flows do not loop)")
                out[key] = target
        elif kind == "send_email":
            template = EmailTemplate.objects.filter(
                company=company, pk=step.get("template") or 0
            ).first()
            if template is None or isinstance(step.get("template"), bool):
                raise InvalidReference(
                    f"{path}.template: no such template", field=f"{path}.template"
                )
            out["template"] = template.pk
            if step.get("campaign"):
                out["campaign"] = step["campaign"]
        elif kind == "activity":
            summary = step.get("summary")
            if not isinstance(summary, str) or not summary.strip() or len(summary) > 200:
                _bad(f"{path}.summary", "1 to 200 characters")
            out["summary"] = summary.strip()
            due = step.get("due_days", 1)
            if isinstance(due, bool) or not isinstance(due, int) or not 0 <= due <= 365:
                _bad(f"{path}.due_days", "0 to 365 days")
            out["due_days"] = due
        elif kind == "tag":
            tag = step.get("tag")
            if not isinstance(tag, str) or not tag.strip() or len(tag) > 50:
                _bad(f"{path}.tag", "1 to 50 characters")
            out["tag"] = tag.strip()
        elif kind == "add_to_segment":
            segment = Segment.objects.filter(company=company, pk=step.get("segment") or 0).first()
            if segment is None or isinstance(step.get("segment"), bool):
                raise InvalidReference(f"{path}.segment: no such segment", field=f"{path}.segment")
            if segment.kind != "static":
                _bad(f"{path}.segment", "a static segment")
            out["segment"] = segment.pk
        elif kind == "webhook":
            name = step.get("name", "")
            if not isinstance(name, str) or len(name) > 100:
                _bad(f"{path}.name", "at most 100 characters")
            out["name"] = name
        clean.append(out)
    return clean


def _audience_segment(automation: Automation) -> Segment:
    if automation.segment_id:
        return automation.segment
    segment, _ = Segment.objects.get_or_create(
        company_id=automation.company_id,
        name=f"Automation #{automation.pk}",
        defaults={"kind": "static", "description": automation.name},
    )
    return segment


def _campaigns_for(automation: Automation) -> None:
    """Each send step gets its campaign (state sending: it only ever gets traces from the
    automation); a changed template makes a new one."""
    changed = False
    for index, step in enumerate(automation.steps):
        if step["type"] != "send_email":
            continue
        campaign = Campaign.objects.filter(
            pk=step.get("campaign") or 0, company_id=automation.company_id
        ).first()
        if campaign is None or campaign.template_id != step["template"]:
            campaign = Campaign.objects.create(
                company_id=automation.company_id,
                name=f"{automation.name} · {index + 1}"[:200],
                segment=_audience_segment(automation),
                template_id=step["template"],
                purpose=automation.purpose,
                state=CampaignState.SENDING,
                started_at=timezone.now(),
                created_by=automation.created_by,
            )
            step["campaign"] = campaign.pk
            changed = True
    if changed:
        automation.save(update_fields=["steps", "updated_at"])


def _trigger_clean(company, trigger, segment, event, date_field):
    if trigger not in TriggerKind.values:
        _bad("trigger", "segment_entry, event or date", "automation.bad_trigger")
    if trigger == TriggerKind.SEGMENT_ENTRY and (
        segment is None or segment.company_id != company.pk
    ):
        raise InvalidReference("segment: no such segment", field="segment")
    if trigger == TriggerKind.EVENT and event not in EVENTS:
        _bad("event", f"one of {', '.join(EVENTS)}", "automation.bad_trigger")
    if trigger == TriggerKind.DATE and date_field not in DATE_FIELDS:
        _bad("date_field", f"one of {', '.join(sorted(DATE_FIELDS))}", "automation.bad_trigger")


@transaction.atomic
def automation_save(
    *,
    company,
    automation: Automation | None = None,
    name: str,
    trigger: str,
    steps: list,
    segment: Segment | None = None,
    event: str = "",
    date_field: str = "",
    date_offset_days: int = 0,
    purpose: str = "newsletter",
    reentry: str = Reentry.ONCE,
    reentry_days: int = 30,
    active: bool = False,
    user=None,
) -> Automation:
    """Create or replace an automation (its runs go on with the new steps by index)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("name: 1 to 200 characters", field="name")
    _trigger_clean(company, trigger, segment, event, date_field)
    if reentry not in Reentry.values:
        _bad("reentry", "once or after_days", "automation.bad_reentry")
    if (
        isinstance(reentry_days, bool)
        or not isinstance(reentry_days, int)
        or not 0 <= reentry_days <= 3650
    ):
        _bad("reentry_days", "0 to 3650 days", "automation.bad_reentry")
    if (
        isinstance(date_offset_days, bool)
        or not isinstance(date_offset_days, int)
        or abs(date_offset_days) > 365
    ):
        _bad("date_offset_days", "-365 to 365 days", "automation.bad_trigger")
    clean = steps_clean(company, steps)
    if automation is None:
        if Automation.objects.filter(company=company, name=name).exists():
            raise ValidationFailed("name: already used", code="automation.name_taken", field="name")
        automation = Automation(company=company, created_by=user)
    else:
        automation = Automation.objects.select_for_update().get(pk=automation.pk)
        old = {
            s.get("template"): s.get("campaign")
            for s in automation.steps
            if s["type"] == "send_email"
        }
        for step in clean:
            if (
                step["type"] == "send_email"
                and "campaign" not in step
                and old.get(step["template"])
            ):
                step["campaign"] = old[step["template"]]
    automation.name, automation.trigger = name, trigger
    automation.segment = segment if trigger == TriggerKind.SEGMENT_ENTRY else None
    automation.event = event if trigger == TriggerKind.EVENT else ""
    automation.date_field = date_field if trigger == TriggerKind.DATE else ""
    automation.date_offset_days = date_offset_days
    automation.purpose = purpose_clean(purpose)
    automation.reentry, automation.reentry_days = reentry, reentry_days
    automation.active = bool(active)
    automation.steps = clean
    automation.save()
    _campaigns_for(automation)
    return automation


# -- entering ------------------------------------------------------------------------------


def _may_enter(automation: Automation, party_ids, now) -> list[int]:
    """The parties (of `party_ids`) the re-entry rule lets in now."""
    runs = AutomationRun.objects.filter(automation=automation, party_id__in=party_ids)
    blocked = set(runs.filter(state=RunState.WAITING).values_list("party_id", flat=True))
    if automation.reentry == Reentry.ONCE:
        blocked |= set(runs.values_list("party_id", flat=True))
    else:
        since = now - timedelta(days=automation.reentry_days)
        blocked |= set(runs.filter(started_at__gt=since).values_list("party_id", flat=True))
    return [pk for pk in dict.fromkeys(party_ids) if pk not in blocked]


def runs_start(*, automation: Automation, party_ids, now=None, source: str = "") -> int:
    now = now or timezone.now()
    allowed = _may_enter(automation, list(party_ids), now)
    AutomationRun.objects.bulk_create(
        [
            AutomationRun(
                company_id=automation.company_id,
                automation=automation,
                party_id=pk,
                due_at=now,
                started_at=now,
                log=[{"at": now.isoformat(), "step": None, "entered": source}],
            )
            for pk in allowed
        ]
    )
    return len(allowed)


def on_event(event, **payload) -> None:
    """A domain event: start the runs of the active automations waiting for it."""
    from django.apps import apps

    company_id = payload.get("company_id")
    automations = list(
        Automation.objects.filter(
            company_id=company_id, active=True, trigger=TriggerKind.EVENT, event=event
        )
    )
    if not automations:
        return
    key = EVENTS[event]
    party_id = None
    if event == "lead.created":
        Lead = apps.get_model("crm", "Lead")
        party_id = (
            Lead.objects.filter(pk=payload.get(key))
            .values_list("matched_party_id", flat=True)
            .first()
        )
    elif event == "sales_order.confirmed":
        party_id = payload.get("party_id")
    elif event == "stock.transfer_done":
        Transfer = apps.get_model("inventory", "Transfer")
        row = Transfer.objects.filter(pk=payload.get(key), kind="delivery").first()
        party_id = row.party_id if row is not None else None  # an order delivered
    if not party_id:
        return
    for automation in automations:
        runs_start(automation=automation, party_ids=[party_id], source=event)


def _enter_segments(now) -> int:
    started = 0
    for automation in Automation.objects.filter(
        active=True, trigger=TriggerKind.SEGMENT_ENTRY
    ).select_related("segment"):
        from .segments import segment_members

        members = segment_members(segment=automation.segment).filter(
            ~Exists(
                AutomationRun.objects.filter(
                    automation=automation, party_id=OuterRef("pk"), state=RunState.WAITING
                )
            )
        )
        started += runs_start(
            automation=automation,
            party_ids=members.values_list("pk", flat=True),
            now=now,
            source="segment",
        )
    return started


def _enter_dates(now) -> int:
    """Parties whose date field's anniversary (plus the offset) is today."""
    started = 0
    today = timezone.localdate(now)
    for automation in Automation.objects.filter(active=True, trigger=TriggerKind.DATE):
        day = today - timedelta(days=automation.date_offset_days)
        parties = Party.objects.filter(
            company_id=automation.company_id,
            **{
                f"{automation.date_field}__month": day.month,
                f"{automation.date_field}__day": day.day,
            },
        ).exclude(**{f"{automation.date_field}__date": day})  # not on the day it was set
        started += runs_start(
            automation=automation,
            party_ids=parties.values_list("pk", flat=True),
            now=now,
            source="date",
        )
    return started


# -- conditions ----------------------------------------------------------------------------


def _last_trace(run: AutomationRun):
    pk = run.context.get("trace")
    return CampaignRecipient.objects.filter(pk=pk).first() if pk else None


def _happened(run: AutomationRun, kind: str) -> bool:
    if kind in ("opened", "clicked"):
        trace = _last_trace(run)
        if trace is None:
            return False
        return (
            trace.human_open or trace.clicked_at is not None
            if kind == "opened"
            else trace.clicked_at is not None
        )
    from tandem.accounting.models import Invoice
    from tandem.sales.models import SalesOrder

    since = run.started_at
    return (
        Invoice.objects.filter(
            party_id=run.party_id, kind="customer_invoice", state="posted", posted_at__gte=since
        ).exists()
        or SalesOrder.objects.filter(
            party_id=run.party_id, state__in=("confirmed", "done"), confirmed_at__gte=since
        ).exists()
    )


def _field_true(automation, party_id, cond) -> bool:
    rule = {k: cond[k] for k in ("field", "op", "value", "days") if k in cond}
    compiled = compile_rules(rule, company=automation.company)
    return compiled.apply(Party.objects.filter(pk=party_id)).exists()


# -- advancing -----------------------------------------------------------------------------


def _note(run, now, step, what, **extra):
    run.log.append({"at": now.isoformat(), "step": step, "do": what, **extra})


def _send(run: AutomationRun, step: dict, now) -> str:
    from django.core.mail import get_connection

    from .sending import Sender, _claim, _salespeople, _send_one, _unclaimable, traces_mark

    campaign = Campaign.objects.select_related("company", "template").get(pk=step["campaign"])
    party = run.party
    email = (party.email or "").strip().lower()
    if not email:
        return "no_address"
    if CampaignRecipient.objects.filter(campaign=campaign, party=party).exists():
        return "already_sent"
    if frequency_capped(party.pk, now):
        return "capped"
    trace = CampaignRecipient.objects.create(
        company_id=run.company_id,
        campaign=campaign,
        party=party,
        email=email,
        language=party.language or "",
    )
    run.context["trace"] = trace.pk
    if not _claim(trace, campaign.purpose):
        _unclaimable(trace)
        return "suppressed"
    trace = CampaignRecipient.objects.select_related("party").get(pk=trace.pk)
    with get_connection() as connection:
        sender = Sender(campaign, connection)
        state, reason, message_id = _send_one(
            sender, trace, _salespeople([party.pk]).get(party.pk, "")
        )
    if state == "sent":
        traces_mark(sent=[(trace.pk, message_id)], failed={})
        return "sent"
    traces_mark(sent=[], failed={reason: [trace.pk]})
    return f"failed:{reason}"


def _act(run: AutomationRun, step: dict, now) -> str:
    kind = step["type"]
    automation = run.automation
    if kind == "send_email":
        return _send(run, step, now)
    if kind == "activity":
        from tandem.crm.models import Opportunity
        from tandem.crm.services import activity_create

        owner = (
            Opportunity.objects.filter(party_id=run.party_id, owner__isnull=False)
            .order_by("-created_at")
            .values_list("owner", flat=True)
            .first()
        )
        from django.contrib.auth import get_user_model

        owner = (
            get_user_model().objects.filter(pk=owner).first() if owner else automation.created_by
        )
        if owner is None:
            return "no_owner"
        activity_create(
            company=automation.company,
            kind="task",
            summary=step["summary"],
            due_at=now + timedelta(days=step["due_days"]),
            owner=owner,
            party=run.party,
        )
        return "created"
    if kind == "tag":
        from tandem.parties.services import tags_ensure

        run.party.tags.add(*tags_ensure(company=automation.company, names=[step["tag"]]))
        return "tagged"
    if kind == "add_to_segment":
        SegmentMember.objects.get_or_create(
            company_id=run.company_id, segment_id=step["segment"], party_id=run.party_id
        )
        return "added"
    if kind == "webhook":
        from tandem.core import events

        events.publish(
            "marketing.automation_webhook",
            company_id=run.company_id,
            automation_id=automation.pk,
            run_id=run.pk,
            party_id=run.party_id,
            step=run.step,
            name=step.get("name", ""),
        )
        return "published"
    raise AssertionError(kind)


def run_advance(run: AutomationRun, *, now=None) -> AutomationRun:
    """Take the run as far as it goes now (locked; each step's effects commit with it)."""
    now = now or timezone.now()
    with transaction.atomic():
        run = (
            AutomationRun.objects.select_for_update()
            .select_related("automation__company", "party")
            .get(pk=run.pk)
        )
        if run.state != RunState.WAITING or run.due_at > now:
            return run
        steps = run.automation.steps
        for _guard in range(MAX_STEPS + 1):
            if run.step >= len(steps):
                run.state, run.finished_at = RunState.DONE, now
                _note(run, now, None, "done")
                break
            step = steps[run.step]
            kind = step["type"]
            if kind == "wait":
                if run.wait_until is None:
                    run.wait_until = now + timedelta(hours=step["hours"])
                if run.wait_until > now:
                    run.due_at = run.wait_until
                    break
                run.wait_until, run.step = None, run.step + 1
                _note(run, now, run.step - 1, "waited")
            elif kind == "wait_event":
                if run.wait_until is None:
                    run.wait_until = now + timedelta(hours=step["timeout_hours"])
                if _happened(run, step["event"]):
                    _note(run, now, run.step, step["event"])
                elif run.wait_until > now:
                    # checked again hourly (or at the timeout, if sooner)
                    run.due_at = min(run.wait_until, now + timedelta(hours=1))
                    break
                else:
                    _note(run, now, run.step, "timed_out")
                run.wait_until, run.step = None, run.step + 1
            elif kind == "branch":
                cond = step["if"]
                yes = (
                    _field_true(run.automation, run.party_id, cond)
                    if cond["kind"] == "field"
                    else _happened(run, cond["kind"])
                )
                _note(run, now, run.step, "branch", result=yes)
                run.step = step["then"] if yes else step["else"]
            else:
                _note(run, now, run.step, kind, result=_act(run, step, now))
                run.step += 1
        run.save()
    return run


def automations_tick(*, now=None, limit: int = 5000) -> dict:
    """Enter parties (segments, dates) and advance the due runs (the beat task)."""
    now = now or timezone.now()
    entered = _enter_segments(now) + _enter_dates(now)
    due = list(
        AutomationRun.objects.filter(
            state=RunState.WAITING, due_at__lte=now, automation__active=True
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        run_advance(AutomationRun(pk=pk), now=now)
    return {"entered": entered, "advanced": len(due)}


# -- dry run -------------------------------------------------------------------------------


def dry_run(*, automation: Automation, party: Party, assume: dict | None = None) -> list[dict]:
    """Walk `party` through the flow without writing anything: waits are summed, events
    (opened, clicked, bought) are taken from `assume` (default: no), field branches and the
    frequency cap are read from the data now."""
    assume = assume or {}
    if party.company_id != automation.company_id:
        raise InvalidReference("party: no such party", field="party")
    out, index, elapsed = [], 0, 0.0
    steps = automation.steps
    now = timezone.now()
    sent = 0
    while index < len(steps) and len(out) <= MAX_STEPS:
        step = steps[index]
        kind = step["type"]
        entry = {"step": index, "type": kind, "after_hours": elapsed}
        nxt = index + 1
        if kind == "wait":
            elapsed += step["hours"]
            entry["after_hours"] = elapsed
        elif kind == "wait_event":
            happened = bool(assume.get(step["event"]))
            entry["result"] = step["event"] if happened else "timed_out"
            if not happened:
                elapsed += step["timeout_hours"]
                entry["after_hours"] = elapsed
        elif kind == "branch":
            cond = step["if"]
            yes = (
                _field_true(automation, party.pk, cond)
                if cond["kind"] == "field"
                else bool(assume.get(cond["kind"]))
            )
            entry["result"] = yes
            nxt = step["then"] if yes else step["else"]
        elif kind == "send_email":
            from .consent import consent_is_granted, is_suppressed

            if not party.email:
                entry["result"] = "no_address"
            elif not consent_is_granted(party=party, purpose=automation.purpose):
                entry["result"] = "no_consent"
            elif is_suppressed(company=automation.company, address=party.email):
                entry["result"] = "suppressed"
            elif frequency_capped(party.pk, now, extra=sent):
                entry["result"] = "capped"
            else:
                entry["result"] = "would_send"
                sent += 1
        else:
            entry["result"] = (
                "would_"
                + {
                    "activity": "create_activity",
                    "tag": "tag",
                    "add_to_segment": "add_to_segment",
                    "webhook": "call_webhook",
                }[kind]
            )
        out.append(entry)
        index = nxt
    out.append({"step": index, "type": "end", "after_hours": elapsed})
    return out


__all__ = ["FIELDS"]
