"""The SLA engine: first-response and resolution clocks computed from a ticket's state log in
business time of its policy's calendar.

A clock counts the time the ticket spent in states that are neither a pause state of the
policy nor resolved/closed; the first-response clock also stops at the first public reply.
Everything is recomputed from the log on every change, so a late pause, a reopen or an edited
calendar give the right figures. A check is scheduled at the exact instant the next clock
reaches its warning or its target (Celery eta, sent on commit); the check is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.core.calendars import add_business_seconds, business_seconds

from ..models import DONE_STATES, ServiceTeam, SlaPolicy, SlaState, Ticket, TicketTransition

logger = logging.getLogger(__name__)


@dataclass
class Clock:
    target: int  # business seconds
    elapsed: int  # counted business seconds up to the stop or now
    due: datetime | None  # when the target is (or was) reached; None while paused short of it
    warn_at: datetime | None
    done: bool
    running: bool  # counting right now

    @property
    def breached(self) -> bool:
        return self.elapsed > self.target or (self.running and self.elapsed >= self.target)


def policy_for(ticket: Ticket, policies=None) -> SlaPolicy | None:
    """The active policy for the ticket's priority, the team's own before a shared one;
    `policies`: the company's active policies when the caller has them (ordered by pk)."""
    if policies is not None:
        candidates = [p for p in policies if p.priority == ticket.priority]
    else:
        candidates = (
            SlaPolicy.objects.filter(
                company_id=ticket.company_id, active=True, priority=ticket.priority
            )
            .select_related("calendar", "team__calendar")
            .order_by("pk")
        )
    best = None
    for policy in candidates:
        if policy.team_id is not None and policy.team_id == ticket.team_id:
            return policy
        if policy.team_id is None and best is None:
            best = policy
    return best


def calendar_of(policy: SlaPolicy | None, ticket: Ticket | None = None, teams=None):
    """The policy's calendar, else its team's, else the ticket's team's; None: wall time."""
    if policy is None:
        return None
    if policy.calendar_id:
        return policy.calendar
    if policy.team_id and policy.team.calendar_id:
        return policy.team.calendar
    if ticket is not None and ticket.team_id:
        team = teams.get(ticket.team_id) if teams is not None else ticket.team
        if team is not None and team.calendar_id:
            return team.calendar
    return None


def _seconds(calendar, start: datetime, end: datetime) -> int:
    if end <= start:
        return 0
    if calendar is None:
        return int((end - start).total_seconds())
    return business_seconds(calendar, start, end)


def _add(calendar, start: datetime, seconds: int) -> datetime:
    if calendar is None:
        return start + timedelta(seconds=seconds)
    return add_business_seconds(calendar, start, seconds)


def segments(ticket: Ticket, transitions) -> list[tuple[datetime, datetime | None, str]]:
    """(start, end or None for the current one, state) from the state log."""
    rows = sorted(transitions, key=lambda t: (t.at, t.pk or 0))
    out = []
    for i, row in enumerate(rows):
        end = rows[i + 1].at if i + 1 < len(rows) else None
        out.append((row.at, end, row.to_state))
    if not out:
        out.append((ticket.opened_at, None, ticket.state))
    return out


def clock(
    calendar,
    segs,
    *,
    target: int,
    warn: int,
    paused: set,
    stop_at: datetime | None,
    now: datetime,
    start_at: datetime | None = None,
) -> Clock:
    elapsed, due, warn_at, running = 0, None, None, False
    for start, end, state in segs:
        if state in paused or state in DONE_STATES:
            continue
        if start_at is not None:
            if end is not None and end <= start_at:
                continue
            start = max(start, start_at)
        if stop_at is not None:
            if start >= stop_at:
                break
            end = stop_at if end is None else min(end, stop_at)
        if end is None:  # the current, open segment: the clock runs now
            running = True
            if due is None:
                due = _add(calendar, start, target - elapsed)
            if warn_at is None:
                warn_at = _add(calendar, start, max(warn - elapsed, 0))
            elapsed += _seconds(calendar, start, now)
            break
        spent = _seconds(calendar, start, end)
        if due is None and elapsed + spent >= target:
            due = _add(calendar, start, target - elapsed)
        if warn_at is None and elapsed + spent >= warn:
            warn_at = _add(calendar, start, max(warn - elapsed, 0))
        elapsed += spent
    return Clock(target, elapsed, due, warn_at, done=not running, running=running)


def compute(
    ticket: Ticket,
    policy: SlaPolicy | None,
    transitions,
    now: datetime,
    teams=None,
    windows: list | None = None,
    answered: datetime | None = None,
) -> dict:
    """The SLA fields of `ticket` at `now` (no writes). `windows`, when given, receives
    (clock, window start, due) of every running clock; `answered`: a public reply at that
    instant closes the next-response window (judged, then cleared)."""
    if policy is None:
        return {
            "first_response_due": None,
            "resolution_due": None,
            "first_response_seconds": None,
            "resolution_seconds": None,
            "sla_state": "",
            "sla_check_at": None,
            "next_response_due": None,
            "next_response_since": None if answered else ticket.next_response_since,
            "next_response_breached": ticket.next_response_breached,
        }
    calendar = calendar_of(policy, ticket, teams)
    segs = segments(ticket, transitions)
    paused = set(policy.pause_states or ())
    first_target = int(policy.first_response_hours * 3600)
    resolution_target = int(policy.resolution_hours * 3600)
    pct = policy.warn_percent
    first = clock(
        calendar,
        segs,
        target=first_target,
        warn=first_target * pct // 100,
        paused=paused,
        stop_at=ticket.first_response_at,
        now=now,
    )
    if ticket.first_response_at is None and ticket.state not in DONE_STATES:
        first.done = False
    resolution = clock(
        calendar,
        segs,
        target=resolution_target,
        warn=resolution_target * pct // 100,
        paused=paused,
        stop_at=None,
        now=now,
    )
    if ticket.state not in DONE_STATES:
        resolution.done = False
    clocks = [first, resolution]
    since = ticket.next_response_since
    next_breached = ticket.next_response_breached
    next_due = None
    nxt = None
    if policy.next_response_hours and since is not None and ticket.state not in DONE_STATES:
        next_target = int(policy.next_response_hours * 3600)
        nxt = clock(
            calendar,
            segs,
            target=next_target,
            warn=next_target * pct // 100,
            paused=paused,
            stop_at=answered,
            now=now,
            start_at=since,
        )
        if answered is not None:
            next_breached = next_breached or nxt.elapsed > next_target
            nxt = None
        else:
            next_due = nxt.due
            clocks.append(nxt)
    if answered is not None:
        since = None
    if windows is not None:
        for name, c, start in (
            ("first_response", first, ticket.opened_at),
            ("resolution", resolution, ticket.opened_at),
            ("next_response", nxt, since),
        ):
            if c is not None and c.running and c.due is not None:
                windows.append((name, start, c.due))
    if next_breached or any(c.breached for c in clocks):
        state = SlaState.BREACHED
    elif all(c.done for c in clocks):
        state = SlaState.MET
    elif any(c.running and c.elapsed >= c.target * pct // 100 for c in clocks):
        state = SlaState.AT_RISK
    else:
        state = SlaState.ON_TRACK
    upcoming = [
        t for c in clocks if c.running for t in (c.warn_at, c.due) if t is not None and t > now
    ]
    steps = policy.escalation or ()
    if steps:
        for c in clocks:
            if c.running and c.due is not None:
                for step in steps:
                    instant = _add(calendar, c.due, int(step.get("after_minutes", 0)) * 60)
                    if instant > now:
                        upcoming.append(instant)
    return {
        "first_response_due": first.due,
        "resolution_due": resolution.due,
        "first_response_seconds": first.elapsed if ticket.first_response_at else None,
        "resolution_seconds": resolution.elapsed if ticket.state in DONE_STATES else None,
        "sla_state": state,
        "sla_check_at": min(upcoming) if upcoming else None,
        "next_response_due": next_due,
        "next_response_since": since,
        "next_response_breached": next_breached,
    }


SLA_FIELDS = (
    "first_response_due",
    "resolution_due",
    "first_response_seconds",
    "resolution_seconds",
    "sla_state",
    "sla_check_at",
    "next_response_due",
    "next_response_since",
    "next_response_breached",
)


def _schedule(ticket_id: int, eta: datetime) -> None:
    from ..tasks import ticket_sla_check

    ticket_sla_check.apply_async((ticket_id,), eta=eta)


# A check due within SEND_AHEAD is handed to Celery at once; a later one waits for the
# periodic sweep, which runs at most every SEND_AHEAD / 2 and sends it with its exact eta.
# Most new tickets are due hours ahead, so mail intake sends nothing per message (the broker
# send was about a fifth of the intake time).
SEND_AHEAD = timedelta(minutes=15)
SWEEP_TASK = "tandem.service.tasks.sla_sweep"


def sweep_scheduled() -> bool:
    """Whether beat runs the sweep; without it every check is sent at once, as before."""
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}
    return any(entry.get("task") == SWEEP_TASK for entry in schedule.values())


def sla_sweep(*, now: datetime | None = None) -> int:
    """Send the checks of open tickets due within SEND_AHEAD that were not sent yet (each
    with its exact eta); returns how many. Idempotent: a sent check is marked."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Ticket.objects.exclude(state__in=DONE_STATES)
            .filter(sla_check_at__isnull=False, sla_check_at__lte=now + SEND_AHEAD)
            .exclude(sla_check_sent=F("sla_check_at"))
        )
        rows = list(due.select_for_update().values_list("pk", "sla_check_at"))
        if rows:
            Ticket.objects.filter(pk__in=[pk for pk, _ in rows]).update(
                sla_check_sent=F("sla_check_at")
            )
            transaction.on_commit(lambda: [_schedule(pk, eta) for pk, eta in rows])
    return len(rows)


def ticket_sla_refresh(
    *, ticket: Ticket, now: datetime | None = None, policy=..., answered: bool = False
) -> Ticket:
    """Recompute the ticket's SLA fields from its log and save them; schedule the next check
    on commit when its instant changed. Call inside the transaction that changed the ticket;
    `answered`: a public reply at `now` closes the next-response window."""
    now = now or timezone.now()
    if policy is ...:
        policy = (
            SlaPolicy.objects.select_related("calendar", "team__calendar").get(pk=ticket.policy_id)
            if ticket.policy_id
            else None
        )
    transitions = list(TicketTransition.objects.filter(ticket_id=ticket.pk))
    values = compute(ticket, policy, transitions, now, answered=now if answered else None)
    previous_check = ticket.sla_check_at
    changed = [f for f in SLA_FIELDS if getattr(ticket, f) != values[f]]
    for field, value in values.items():
        setattr(ticket, field, value)
    update = {f: values[f] for f in changed}
    eta = values["sla_check_at"]
    send = (
        eta is not None
        and eta != previous_check
        and (eta <= now + SEND_AHEAD or not sweep_scheduled())
    )
    if send:
        ticket.sla_check_sent = update["sla_check_sent"] = eta
    if update:
        Ticket.objects.filter(pk=ticket.pk).update(**update)
    if send:
        transaction.on_commit(lambda: _schedule(ticket.pk, eta))
    return ticket


def ticket_sla_check(*, ticket_id: int, now: datetime | None = None) -> str | None:
    """The scheduled check: recompute one ticket and fire the escalation steps that are due;
    running it twice changes nothing more."""
    from .escalation import escalate

    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None:
            return None
        ticket_sla_refresh(ticket=ticket, now=now)
        if escalate(ticket=ticket, now=now):
            ticket_sla_refresh(ticket=ticket, now=now)
        return ticket.sla_state


class _LogRow(NamedTuple):
    pk: int
    to_state: str
    at: datetime


def sla_refresh_open(*, company, now: datetime | None = None, chunk: int = 1000) -> int:
    """Recompute every open ticket of `company` (after a calendar or policy edit); returns
    how many changed. Reads the logs a chunk at a time and writes with bulk_update."""
    now = now or timezone.now()
    policies = {
        p.pk: p
        for p in SlaPolicy.objects.filter(company=company).select_related(
            "calendar", "team__calendar"
        )
    }
    teams = {
        t.pk: t for t in ServiceTeam.objects.filter(company=company).select_related("calendar")
    }
    changed_total = 0
    qs = Ticket.objects.filter(company=company).exclude(state__in=DONE_STATES).order_by("pk")
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last)[:chunk])
        if not batch:
            break
        last = batch[-1].pk
        logs: dict[int, list] = {}
        # plain (pk, to_state, at) rows, not model instances: the state logs are the bulk
        # of what a refresh reads (about 3.5 rows a ticket)
        for ticket_id, pk, to_state, at in TicketTransition.objects.filter(
            ticket_id__in=[t.pk for t in batch]
        ).values_list("ticket_id", "pk", "to_state", "at"):
            logs.setdefault(ticket_id, []).append(_LogRow(pk, to_state, at))
        dirty = []
        for ticket in batch:
            values = compute(
                ticket, policies.get(ticket.policy_id), logs.get(ticket.pk, []), now, teams
            )
            if any(getattr(ticket, f) != values[f] for f in SLA_FIELDS):
                for field, value in values.items():
                    setattr(ticket, field, value)
                dirty.append(ticket)
        with transaction.atomic():
            Ticket.objects.bulk_update(dirty, list(SLA_FIELDS), batch_size=500)
        changed_total += len(dirty)
    return changed_total
