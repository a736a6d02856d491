"""Marketing pages: home, segments (list + builder with a live count), templates, campaigns
(list, new, detail/report with a chart), and a party's consents."""

import json
from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.charts import bar_chart
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view
from tandem.parties.models import Party

from . import services
from .models import (
    AbMetric,
    Campaign,
    CampaignRecipient,
    CampaignState,
    EmailTemplate,
    Privacy,
    Segment,
)
from .queries import campaign_stats
from .segments import FIELDS, NO_VALUE_OPS

ROWS = 6
BOOL_OPS = {"is"}
INT_FIELDS = {"last_interaction", "owner", "bought.product", "bought.category"}
NUMBER_FIELDS = {"revenue", "days_since_last_order"}


def _rows(request, model):
    return model.objects.filter(company=request.company)


@company_view("marketing.view_campaign")
def home(request):
    campaigns = _rows(request, Campaign).select_related("segment")[:5]
    context = {
        "segments": _rows(request, Segment).count(),
        "templates": _rows(request, EmailTemplate).values("name").distinct().count(),
        "campaigns": _rows(request, Campaign).count(),
        "sent": _rows(request, Campaign).filter(state=CampaignState.SENT).count(),
        "latest": campaigns,
    }
    return render(request, "marketing/home.html", context)


# -- segments ------------------------------------------------------------------------------


@company_view("marketing.view_segment")
def segment_list(request):
    segments = list(_rows(request, Segment).order_by("name", "pk"))
    for segment in segments:
        segment.member_count = services.segment_members(segment=segment).count()
    return render(request, "marketing/segment_list.html", {"segments": segments})


def _value(field: str, op: str, raw: str):
    raw = (raw or "").strip()
    if op in NO_VALUE_OPS:
        return None
    if op in BOOL_OPS:
        return raw.lower() in ("1", "true", "yes", "on")
    if op == "in":
        return [v.strip() for v in raw.split(",") if v.strip()]
    if op == "between":
        return [v.strip() for v in raw.split(",")][:2]
    if field in INT_FIELDS or (field == "days_since_last_order"):
        try:
            return int(raw)
        except ValueError:
            return raw
    return raw


def rules_from_post(post) -> dict:
    """The builder's rows (field_i, op_i, value_i) or, when given, the JSON of an advanced
    tree; an unreadable JSON answers a tree the compiler refuses with its code."""
    advanced = (post.get("rules_json") or "").strip()
    if advanced and post.get("mode") == "json":
        try:
            return json.loads(advanced)
        except ValueError:
            return {"all": "not JSON"}
    rules = []
    for i in range(ROWS):
        field = post.get(f"field_{i}", "")
        if not field:
            continue
        op = post.get(f"op_{i}", "")
        rule = {"field": field, "op": op}
        value = _value(field, op, post.get(f"value_{i}", ""))
        if value is not None:
            rule["value"] = value
        rules.append(rule)
    match = "any" if post.get("match") == "any" else "all"
    return {match: rules}


def _builder_rows(rules: dict) -> tuple[str, list[dict], bool]:
    """A flat tree as builder rows; a nested one only shows as JSON."""
    key = "any" if "any" in rules else "all"
    children = rules.get(key, []) if isinstance(rules, dict) else []
    flat = isinstance(children, list) and all(
        isinstance(c, dict) and "field" in c for c in children
    )
    rows = []
    if flat:
        for rule in children[:ROWS]:
            value = rule.get("value", "")
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            rows.append({"field": rule["field"], "op": rule["op"], "value": value})
    rows += [{"field": "", "op": "", "value": ""}] * (ROWS - len(rows))
    return key, rows, flat


@company_view("marketing.view_segment")
def segment_edit(request, pk=None):
    segment = get_object_or_404(_rows(request, Segment), pk=pk) if pk else None
    perm = "marketing.change_segment" if segment else "marketing.add_segment"
    error = None
    if request.method == "POST":
        if not request_has_perm(request, perm):
            return HttpResponse(status=403)
        rules = rules_from_post(request.POST)
        try:
            if segment is None:
                segment = services.segment_create(
                    company=request.company,
                    name=request.POST.get("name", ""),
                    kind=request.POST.get("kind", "dynamic"),
                    rules=rules,
                    description=request.POST.get("description", ""),
                )
            else:
                segment = services.segment_update(
                    segment=segment,
                    name=request.POST.get("name", ""),
                    rules=rules,
                    description=request.POST.get("description", ""),
                )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Segment saved."))
            return redirect("marketing:segment_edit", segment.pk)
        current = rules
    else:
        current = segment.rules if segment else {"all": []}
    match, rows, flat = _builder_rows(current if isinstance(current, dict) else {})
    count = None
    if segment is not None and error is None:
        count = services.segment_members(segment=segment).count()
    context = {
        "segment": segment,
        "error": error,
        "match": match,
        "rows": rows,
        "flat": flat,
        "rules_json": json.dumps(current, indent=2, ensure_ascii=False),
        "fields": [(name, field.ops) for name, field in FIELDS.items()],
        "ops": sorted({op for field in FIELDS.values() for op in field.ops}),
        "count": count,
        "name": request.POST.get("name", segment.name if segment else ""),
        "kind": request.POST.get("kind", segment.kind if segment else "dynamic"),
    }
    return render(request, "marketing/segment_edit.html", context)


@company_view("marketing.view_segment")
def segment_count(request):
    """The builder's live count (HTMX): the members the rows select now, or the refusal."""
    rules = rules_from_post(request.POST if request.method == "POST" else request.GET)
    try:
        preview = services.segment_preview(company=request.company, rules=rules, limit=5)
    except DomainError as exc:
        return HttpResponse(
            f'<span class="error" id="segment-count-error">{escape(exc.message)}</span>'
        )
    return render(request, "marketing/_segment_count.html", {"preview": preview})


# -- templates -----------------------------------------------------------------------------


@company_view("marketing.view_emailtemplate")
def template_list(request):
    templates = _rows(request, EmailTemplate).order_by("name", "language", "pk")
    return render(request, "marketing/template_list.html", {"templates": templates})


@company_view("marketing.view_emailtemplate")
def template_edit(request, pk=None):
    template = get_object_or_404(_rows(request, EmailTemplate), pk=pk) if pk else None
    error = None
    data = {
        f: request.POST.get(f, getattr(template, f, "") if template else "")
        for f in ("name", "language", "subject", "format", "source", "body_html", "body_text")
    }
    data["format"] = data["format"] or "html"
    if request.method == "POST":
        perm = "marketing.change_emailtemplate" if template else "marketing.add_emailtemplate"
        if not request_has_perm(request, perm):
            return HttpResponse(status=403)
        try:
            if template is None:
                template = services.template_create(company=request.company, **data)
            else:
                template = services.template_update(template=template, **data)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Template saved."))
            return redirect("marketing:template_edit", template.pk)
    from .rendering import MERGE_FIELDS

    return render(
        request,
        "marketing/template_edit.html",
        {"template": template, "data": data, "error": error, "merge_fields": MERGE_FIELDS},
    )


# -- campaigns -----------------------------------------------------------------------------


@company_view("marketing.view_campaign")
def campaign_list(request):
    qs = _rows(request, Campaign).select_related("segment", "template").order_by("-created_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "marketing/campaign_list.html", {"page": page})


@company_view("marketing.add_campaign")
def campaign_new(request):
    error = None
    if request.method == "POST":
        try:
            segment = _rows(request, Segment).filter(pk=request.POST.get("segment") or 0).first()
            template = (
                _rows(request, EmailTemplate).filter(pk=request.POST.get("template") or 0).first()
            )
            with transaction.atomic():  # a refused A/B test leaves no campaign behind
                campaign = services.campaign_create(
                    company=request.company,
                    name=request.POST.get("name", ""),
                    segment=segment,
                    template=template,
                    purpose=request.POST.get("purpose", "newsletter"),
                    cost=request.POST.get("cost") or "0",
                    privacy=request.POST.get("privacy", Privacy.IDENTIFIED),
                    sender=request.POST.get("sender", ""),
                    user=request.user,
                )
                if request.POST.get("ab_subject") or request.POST.get("ab_template"):
                    campaign = _ab_from_post(request, campaign)
        except (DomainError, ValueError) as exc:
            error = getattr(exc, "message", str(exc))
        else:
            return redirect("marketing:campaign_detail", campaign.pk)
    context = {
        "metrics": AbMetric.choices,
        "segments": _rows(request, Segment).order_by("name"),
        "templates": _rows(request, EmailTemplate).order_by("name", "language"),
        "privacy": Privacy.choices,
        "error": error,
        "post": request.POST,
    }
    return render(request, "marketing/campaign_new.html", context)


def _ab_from_post(request, campaign):
    template_b = (
        _rows(request, EmailTemplate).filter(pk=request.POST.get("ab_template") or 0).first()
    )
    return services.variants_set(
        campaign=campaign,
        variants=[
            {"subject": ""},
            {"subject": request.POST.get("ab_subject", ""), "template": template_b},
        ],
        share=int(request.POST.get("ab_share") or 20),
        metric=request.POST.get("ab_metric", "open"),
        wait_hours=int(request.POST.get("ab_wait_hours") or 4),
    )


@company_view("marketing.view_campaign")
def campaign_detail(request, pk):
    campaign = get_object_or_404(
        _rows(request, Campaign).select_related("segment", "template", "job"), pk=pk
    )
    stats = campaign_stats(campaign)
    url = reverse("marketing:campaign_detail", args=[campaign.pk])
    chart = bar_chart(
        [
            (_("Delivered"), Decimal(stats["delivered"]), url),
            (_("Opened"), Decimal(stats["opened"]), url),
            (_("Clicked"), Decimal(stats["clicked"]), url),
            (_("Bounced"), Decimal(stats["bounced"]), url),
            (_("Unsubscribed"), Decimal(stats["unsubscribed"]), url),
        ]
    )
    recipients = CampaignRecipient.objects.filter(campaign=campaign).select_related("party")
    page = Paginator(recipients.order_by("pk"), 50).get_page(request.GET.get("page"))
    reachable = sample = None
    if campaign.state in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        reachable = services.campaign_reachable_count(campaign)
        party, chosen = services.test_sample(campaign)
        sample = {"name": party.name if party is not None else "", "chosen": chosen}
    pct = {
        key: (stats[key] * 100).quantize(Decimal("0.1"))
        for key in ("bounce_rate", "open_rate", "click_rate", "roi")
        if stats[key] is not None
    }
    attribution = [
        (key, label, {**stats["attribution"][key], "roi_pct": _percent(stats["attribution"][key])})
        for key, label in (("last_touch", _("Last touch")), ("first_touch", _("First touch")))
    ]
    context = {
        "campaign": campaign,
        "stats": stats,
        "pct": pct,
        "attribution": attribution,
        "chart": chart,
        "page": page,
        "reachable": reachable,
        "sample": sample,
        "can_change": request_has_perm(request, "marketing.change_campaign"),
    }
    return render(request, "marketing/campaign_detail.html", context)


def _percent(figures: dict) -> Decimal | None:
    roi = figures["roi"]
    return None if roi is None else (roi * 100).quantize(Decimal("0.1"))


@require_POST
@company_view("marketing.change_campaign")
def campaign_send(request, pk):
    campaign = get_object_or_404(_rows(request, Campaign), pk=pk)
    try:
        services.campaign_send(campaign=campaign, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sending started."))
    return redirect("marketing:campaign_detail", pk)


@require_POST
@company_view("marketing.change_campaign")
def campaign_test(request, pk):
    """A test send to the addresses typed (comma or space separated), merged with the
    sample recipient the page names."""
    campaign = get_object_or_404(_rows(request, Campaign), pk=pk)
    addresses = request.POST.get("addresses", "").replace(",", " ").split()
    try:
        result = services.campaign_test(campaign=campaign, addresses=addresses)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Test sent to %(n)s address(es), merged with %(name)s.")
            % {"n": result["sent"], "name": result["sample"]["name"]},
        )
    return redirect("marketing:campaign_detail", pk)


@require_POST
@company_view("marketing.change_campaign")
def campaign_cancel(request, pk):
    campaign = get_object_or_404(_rows(request, Campaign), pk=pk)
    try:
        services.campaign_cancel(campaign=campaign)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Campaign cancelled."))
    return redirect("marketing:campaign_detail", pk)


@require_POST
@company_view("marketing.change_campaign")
def campaign_ab_decide(request, pk):
    campaign = get_object_or_404(_rows(request, Campaign), pk=pk)
    try:
        services.ab_decide(campaign=campaign, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Winner chosen; the rest is being sent."))
    return redirect("marketing:campaign_detail", pk)


# -- automations ---------------------------------------------------------------------------


@company_view("marketing.view_automation")
def automation_list(request):
    from django.db.models import Count, Q

    from .models import Automation

    automations = (
        _rows(request, Automation)
        .annotate(
            waiting=Count("runs", filter=Q(runs__state="waiting")),
            done=Count("runs", filter=Q(runs__state="done")),
        )
        .order_by("name", "pk")
    )
    return render(request, "marketing/automation_list.html", {"automations": automations})


def _steps_text(steps) -> str:
    return "\n".join(json.dumps(s, ensure_ascii=False) for s in steps)


def _steps_from_text(text: str):
    steps = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if line.strip():
            try:
                steps.append(json.loads(line))
            except ValueError:
                raise ValueError(_("Step line %(n)s is not JSON.") % {"n": number}) from None
    return steps


def _automation_page(request, automation, *, data, error=None, dry=None):
    from .models import AutomationRun, Reentry, TriggerKind
    from .services.automations import EVENTS

    context = {
        "automation": automation,
        "data": data,
        "error": error,
        "dry": dry,
        "triggers": TriggerKind.choices,
        "reentries": Reentry.choices,
        "events": list(EVENTS),
        "segments": _rows(request, Segment).order_by("name"),
        "parties": _rows(request, Party).order_by("name")[:200],
        "runs": AutomationRun.objects.filter(automation=automation).select_related("party")[:50]
        if automation
        else [],
    }
    return render(request, "marketing/automation_edit.html", context)


@company_view("marketing.view_automation")
def automation_edit(request, pk=None):
    from .models import Automation

    automation = get_object_or_404(_rows(request, Automation), pk=pk) if pk else None
    if request.method == "POST":
        perm = "marketing.change_automation" if automation else "marketing.add_automation"
        if not request_has_perm(request, perm):
            return HttpResponse(status=403)
        post = request.POST
        data = {
            "name": post.get("name", ""),
            "active": bool(post.get("active")),
            "trigger": post.get("trigger", ""),
            "segment": int(post["segment"]) if post.get("segment", "").isdigit() else None,
            "event": post.get("event", ""),
            "date_field": post.get("date_field", ""),
            "reentry": post.get("reentry", "once"),
            "reentry_days": post.get("reentry_days", "30"),
            "purpose": post.get("purpose", "newsletter"),
            "steps": post.get("steps", ""),
        }
        try:
            segment = _rows(request, Segment).filter(pk=data["segment"] or 0).first()
            saved = services.automation_save(
                company=request.company,
                automation=automation,
                name=data["name"],
                trigger=data["trigger"],
                segment=segment,
                event=data["event"],
                date_field=data["date_field"],
                steps=_steps_from_text(data["steps"]),
                purpose=data["purpose"],
                reentry=data["reentry"],
                reentry_days=int(data["reentry_days"] or 0),
                active=data["active"],
                user=request.user,
            )
        except (DomainError, ValueError) as exc:
            return _automation_page(
                request, automation, data=data, error=getattr(exc, "message", str(exc))
            )
        messages.success(request, _("Automation saved."))
        return redirect("marketing:automation_edit", saved.pk)
    data = {
        "name": automation.name if automation else "",
        "active": automation.active if automation else False,
        "trigger": automation.trigger if automation else "segment_entry",
        "segment": automation.segment_id if automation else None,
        "event": automation.event if automation else "",
        "date_field": automation.date_field if automation else "",
        "reentry": automation.reentry if automation else "once",
        "reentry_days": automation.reentry_days if automation else 30,
        "purpose": automation.purpose if automation else "newsletter",
        "steps": _steps_text(automation.steps) if automation else "",
    }
    return _automation_page(request, automation, data=data)


@require_POST
@company_view("marketing.change_automation")
def automation_dry_run(request, pk):
    from .models import Automation

    automation = get_object_or_404(_rows(request, Automation), pk=pk)
    party = get_object_or_404(_rows(request, Party), pk=request.POST.get("party") or 0)
    assume = {k: bool(request.POST.get(k)) for k in ("opened", "clicked", "bought")}
    dry = services.dry_run(automation=automation, party=party, assume=assume)
    data = {
        "name": automation.name,
        "active": automation.active,
        "trigger": automation.trigger,
        "segment": automation.segment_id,
        "event": automation.event,
        "date_field": automation.date_field,
        "reentry": automation.reentry,
        "reentry_days": automation.reentry_days,
        "purpose": automation.purpose,
        "steps": _steps_text(automation.steps),
    }
    return _automation_page(request, automation, data=data, dry=dry)


# -- a party's marketing page --------------------------------------------------------------


@company_view("marketing.view_campaign")
def party_consents(request, pk):
    """A party's marketing page: its campaign touches for whoever reads campaigns; the consent
    ledger (IPs, user agents) only for marketing roles (marketing.manage_consents)."""
    party = get_object_or_404(_rows(request, Party), pk=pk)
    from .models import Consent

    can_consents = request_has_perm(request, "marketing.manage_consents")
    ledger = current = None
    if can_consents:
        ledger = Consent.objects.filter(party=party).order_by("-at", "-pk")[:200]
        current = services.consents_current(party=party)
    touches = (
        CampaignRecipient.objects.filter(party=party)
        .select_related("campaign")
        .order_by("-pk")[:50]
    )
    return render(
        request,
        "marketing/party_consents.html",
        {
            "party": party,
            "ledger": ledger,
            "current": current,
            "touches": touches,
            "can_consents": can_consents,
        },
    )
