"""Assignment of new tickets: round robin, fewest open tickets, or by skill (product line and
language), only to agents who are not absent (HR leave when an employee is linked to the
user, read-only; otherwise the team's absence calendar) and preferably within their own
working hours (see agent_calendars: agents on shift now, else those whose shift starts
first); sticky to the previous agent for a returning customer. The team's
`assignment` picks the method ("manual" assigns nothing)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.apps import apps
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from tandem.core.calendars import working_intervals
from tandem.core.errors import ValidationFailed
from tandem.core.models import BusinessCalendar, User

from ..models import (
    DONE_STATES,
    AgentAbsence,
    AssignmentMethod,
    ServiceTeam,
    TeamAgent,
    Ticket,
)


def _absent(company_id: int, user_ids: list[int], now: datetime, zone) -> set[int]:
    """Users absent at `now`: approved HR leave covering it for users linked to an
    employee, the team's absence rows for the others."""
    absent = set()
    linked: dict[int, int] = {}
    if apps.is_installed("tandem.hr"):
        Employee = apps.get_model("hr", "Employee")
        LeaveRequest = apps.get_model("hr", "LeaveRequest")
        linked = dict(
            Employee.objects.filter(company_id=company_id, user_id__in=user_ids).values_list(
                "user_id", "pk"
            )
        )
        if linked:
            local = timezone.localtime(now, zone)
            today, afternoon = local.date(), local.time() >= time(12)
            for (
                user_id,
                start,
                end,
                start_half,
                end_half,
            ) in LeaveRequest.objects.filter(
                employee_id__in=linked.values(),
                state="approved",
                start__lte=today,
                end__gte=today,
            ).values_list("employee__user_id", "start", "end", "start_half", "end_half"):
                if start == today and start_half == "pm" and not afternoon:
                    continue  # leave from noon, still here this morning
                if end == today and end_half == "am" and afternoon:
                    continue  # back at noon
                absent.add(user_id)
    others = [u for u in user_ids if u not in linked]
    if others:
        absent |= set(
            AgentAbsence.objects.filter(
                company_id=company_id, user_id__in=others, start__lte=now, end__gt=now
            ).values_list("user_id", flat=True)
        )
    return absent


# how far ahead an off-shift agent's next working interval is looked for
SHIFT_LOOKAHEAD = timedelta(days=14)


def agent_hours_sources(team: ServiceTeam, user_ids, now: datetime, zone) -> dict:
    """Each agent's working hours and where they come from, by user id:
    (calendar or None, "agent" | "employee" | "team" | "none")."""
    own = dict(
        TeamAgent.objects.filter(
            team=team, user_id__in=user_ids, calendar__isnull=False
        ).values_list("user_id", "calendar_id")
    )
    source = {u: "agent" for u in own}
    missing = [u for u in user_ids if u not in own]
    if missing and apps.is_installed("tandem.hr"):
        EmployeeVersion = apps.get_model("hr", "EmployeeVersion")
        today = timezone.localtime(now, zone).date()
        for user_id, calendar_id in (
            EmployeeVersion.objects.filter(
                employee__company_id=team.company_id,
                employee__user_id__in=missing,
                effective_from__lte=today,
                calendar__isnull=False,
            )
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
            .values_list("employee__user_id", "calendar_id")
        ):
            if user_id not in own:
                own[user_id] = calendar_id
                source[user_id] = "employee"
    calendars = {c.pk: c for c in BusinessCalendar.objects.filter(pk__in=set(own.values()))}
    team_source = "team" if team.calendar_id else "none"
    return {
        u: (calendars[own[u]], source[u]) if u in own else (team.calendar, team_source)
        for u in user_ids
    }


def agent_calendars(team: ServiceTeam, user_ids, now: datetime, zone) -> dict:
    """Each agent's working hours, by user id: the calendar set on the agent in this team
    (TeamAgent.calendar), else the working calendar of the linked HR employee's version
    valid today when one is set there (read-only), else the team's calendar (None: always
    at work)."""
    return {u: cal for u, (cal, _src) in agent_hours_sources(team, user_ids, now, zone).items()}


def team_agents_hours(team: ServiceTeam, now: datetime | None = None) -> list[dict]:
    """Every member of `team` with its skills, its own calendar, the hours assignment uses
    (and their source), whether it is absent or at work at `now` and when its next shift
    starts (within SHIFT_LOOKAHEAD). Reads only."""
    now = now or timezone.now()
    members = list(team.members.order_by("pk"))
    ids = [u.pk for u in members]
    zone = _zone_of(team)
    agents = {
        a.user_id: a
        for a in TeamAgent.objects.filter(team=team, user_id__in=ids)
        .select_related("calendar")
        .prefetch_related("categories")
    }
    sources = agent_hours_sources(team, ids, now, zone)
    absent = _absent(team.company_id, ids, now, zone)
    spans: dict[int, list] = {}
    rows = []
    for user in members:
        agent = agents.get(user.pk)
        calendar, source = sources[user.pk]
        if calendar is None:
            at_work, next_shift = True, now
        else:
            if calendar.pk not in spans:
                spans[calendar.pk] = working_intervals(calendar, now, now + SHIFT_LOOKAHEAD)
            first = spans[calendar.pk][0] if spans[calendar.pk] else None
            at_work = first is not None and first[0] <= now < first[1]
            next_shift = now if at_work else (first[0] if first else None)
        rows.append(
            {
                "user": user,
                "languages": list(agent.languages) if agent else [],
                "categories": sorted(c.pk for c in agent.categories.all()) if agent else [],
                "calendar": agent.calendar if agent else None,
                "hours": calendar,
                "hours_source": source,
                "absent": user.pk in absent,
                "at_work": at_work and user.pk not in absent,
                "next_shift": next_shift,
            }
        )
    return rows


def _on_shift(team, candidates: list, now: datetime, zone) -> list:
    """The candidates at work now; when nobody is, those whose next shift starts first
    (a ticket at night goes to the morning shift, not to whoever was last in turn). With
    no working time at all in the look-ahead, everyone stays a candidate."""
    calendars = agent_calendars(team, [u.pk for u in candidates], now, zone)
    starts: dict[int, datetime | None] = {}
    by_calendar: dict[int, datetime | None] = {}
    for user in candidates:
        calendar = calendars[user.pk]
        if calendar is None:
            starts[user.pk] = now
            continue
        if calendar.pk not in by_calendar:
            spans = working_intervals(calendar, now, now + SHIFT_LOOKAHEAD)
            by_calendar[calendar.pk] = spans[0][0] if spans else None
        starts[user.pk] = by_calendar[calendar.pk]
    known = [s for s in starts.values() if s is not None]
    if not known:
        return candidates
    first = max(min(known), now)
    return [u for u in candidates if starts[u.pk] is not None and starts[u.pk] <= first]


def _categories(product) -> set[int]:
    """The product's category and its ancestors (a skill in a parent line covers it)."""
    out = set()
    category = product.category if product is not None else None
    while category is not None and category.pk not in out:
        out.add(category.pk)
        category = category.parent
    return out


def pick_agent(
    *, ticket: Ticket, now: datetime | None = None, exclude=(), sticky: bool | None = None
):
    """The agent the team's method gives `ticket` now, or None (manual, or nobody
    available). Reads only; the caller saves the assignment."""
    now = now or timezone.now()
    team = ticket.team
    if team is None or not team.active:
        return None
    method = team.assignment
    members = [u for u in team.members.filter(is_active=True).order_by("pk") if u.pk not in exclude]
    if not members:
        return None
    ids = [u.pk for u in members]
    zone = _zone(team, ticket)
    absent = _absent(ticket.company_id, ids, now, zone)
    candidates = [u for u in members if u.pk not in absent]
    if not candidates:
        return None
    candidates = _on_shift(team, candidates, now, zone)
    use_sticky = team.sticky if sticky is None else sticky
    if use_sticky and (ticket.party_id or ticket.customer_email):
        previous = (
            Ticket.objects.filter(company_id=ticket.company_id, team=team)
            .exclude(pk=ticket.pk)
            .exclude(assignee=None)
            .filter(
                Q(party_id=ticket.party_id)
                if ticket.party_id
                else Q(customer_email=ticket.customer_email)
            )
            .order_by("-opened_at", "-pk")
            .values_list("assignee_id", flat=True)
            .first()
        )
        for u in candidates:
            if u.pk == previous:
                return u
    if method == AssignmentMethod.MANUAL and sticky is None:
        return None
    if method == AssignmentMethod.SKILLS:
        skills = {
            a.user_id: a
            for a in TeamAgent.objects.filter(
                team=team, user_id__in=[u.pk for u in candidates]
            ).prefetch_related("categories")
        }
        lines = _categories(ticket.product)
        language = (ticket.language or "").lower()

        def fits(user) -> int:
            agent = skills.get(user.pk)
            if agent is None:
                return 1  # a generalist
            cats = {c.pk for c in agent.categories.all()}
            langs = {str(x).lower() for x in agent.languages or ()}
            if (cats and lines and not cats & lines) or (cats and not lines):
                return 0
            if langs and language and language not in langs:
                return 0
            return 2 if (cats & lines or language in langs) else 1

        scored = [(fits(u), u) for u in candidates]
        best = max(s for s, _ in scored)
        if best == 0:
            return None
        candidates = [u for s, u in scored if s == best]
    if method == AssignmentMethod.ROUND_ROBIN:
        after = team.last_assigned_id or 0
        later = [u for u in candidates if u.pk > after]
        return (later or candidates)[0]
    # load-balanced (and among the skilled): fewest open tickets, then round-robin order
    load = dict(
        Ticket.objects.filter(
            company_id=ticket.company_id, assignee_id__in=[u.pk for u in candidates]
        )
        .exclude(state__in=DONE_STATES)
        .exclude(pk=ticket.pk)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    after = team.last_assigned_id or 0
    return min(candidates, key=lambda u: (load.get(u.pk, 0), u.pk <= after, u.pk))


def _zone(team, ticket):
    from zoneinfo import ZoneInfo

    if team.calendar_id:
        return ZoneInfo(team.calendar.time_zone)
    return ZoneInfo(ticket.company.time_zone or "UTC")


def _zone_of(team):
    from zoneinfo import ZoneInfo

    if team.calendar_id:
        return ZoneInfo(team.calendar.time_zone)
    return ZoneInfo(team.company.time_zone or "UTC")


@transaction.atomic
def ticket_autoassign(*, ticket: Ticket, now: datetime | None = None) -> User | None:
    """Give an unassigned ticket its agent by the team's method (the team row is locked so
    two tickets arriving together take turns). Returns the agent or None."""
    if ticket.assignee_id is not None or ticket.team_id is None:
        return None
    if ticket.team.assignment == AssignmentMethod.MANUAL and not ticket.team.sticky:
        return None  # read from the instance at hand: no lock, no query
    team = ServiceTeam.objects.select_for_update().get(pk=ticket.team_id)
    if team.assignment == AssignmentMethod.MANUAL and not team.sticky:
        return None
    ticket.team = team
    agent = pick_agent(ticket=ticket, now=now)
    if agent is None:
        return None
    ticket.assignee = agent
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent)
    ServiceTeam.objects.filter(pk=team.pk).update(last_assigned=agent)
    return agent


@transaction.atomic
def team_agent_set(
    *, team: ServiceTeam, user, languages=(), categories=(), calendar=None
) -> TeamAgent:
    """An agent's skills and own working hours in the team (replacing the previous ones;
    no calendar: the HR employee's, else the team's)."""
    from .tickets import _member, _same_company

    _member(team.company, user, field="user")
    for c in categories:
        _same_company(team.company, c, field="categories")
    _same_company(team.company, calendar, field="calendar")
    if not isinstance(languages, list | tuple) or not all(isinstance(x, str) for x in languages):
        raise ValidationFailed("languages: a list of language codes", field="languages")
    agent, _ = TeamAgent.objects.update_or_create(
        team=team,
        user=user,
        defaults={
            "company_id": team.company_id,
            "languages": [x.strip().lower()[:10] for x in languages if x.strip()][:10],
            "calendar": calendar,
        },
    )
    agent.categories.set(categories)
    return agent


@transaction.atomic
def agent_absence_add(*, company, user, start: datetime, end: datetime, note: str = ""):
    from .tickets import _member, _text

    _member(company, user, field="user")
    if start is None or end is None or end <= start:
        raise ValidationFailed("end: after start", code="validation.range", field="end")
    return AgentAbsence.objects.create(
        company=company,
        user=user,
        start=start,
        end=end,
        note=_text(note, field="note", max_length=200),
    )
