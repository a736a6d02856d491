"""Follow-up cadences: the rules (CRUD) and the engine that plans the next activity.

A rule covers a set of records (new leads; open opportunities, in one stage or all; active
customers; opportunities and customers optionally of one segment tag). A record under a rule
that has no planned activity gets one, `interval` (calendar or business) days after its last
touch (a done activity or a logged interaction; else when it was created or, for an
opportunity, entered its stage), owned by the record's owner (else the rule's owner). The
engine runs when an activity is done (inside that transaction) and in a periodic sweep.

Idempotent: the rule's row is locked while it plans, records with a planned activity are
skipped, and the database refuses a second planned activity of one rule on one record.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Company, User
from tandem.core.services import company_zone
from tandem.parties.models import Party, Tag
from tandem.parties.validation import FieldErrors

from ..errors import StageInvalid
from ..models import (
    Activity,
    ActivityKind,
    ActivityState,
    Cadence,
    CadenceTarget,
    Interaction,
    IntervalUnit,
    Lead,
    LeadState,
    Opportunity,
    OpportunityStageChange,
    OpportunityState,
    PipelineStage,
)
from ._common import UNSET, choice, locked, member, same_company, text

DUE_HOUR = 9  # planned follow-ups fall due at 09:00 company time on their day
INTERVAL_MAX = 366
PLACEHOLDERS = ("{record}", "{stage}", "{owner}")


# -- business calendar -----------------------------------------------------------------------


@lru_cache(maxsize=64)
def _calendar(country: str, year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public holidays, make-up working days) of a country in a year. The make-up days are
    weekend days worked to bridge a holiday (China's 调休), which the package lists as
    `weekend_workdays`."""
    try:
        table = holidays.country_holidays(country, years=year)
    except (NotImplementedError, KeyError, AttributeError):  # a country the package lacks
        return frozenset(), frozenset()
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return frozenset(table.keys()), workdays


def is_business_day(company: Company, day: date) -> bool:
    """Monday to Friday and not a public holiday of the company's country, or a weekend day
    that country works to make up for a holiday."""
    off, worked = _calendar(company.country or "", day.year)
    if day in worked:
        return True
    return day.weekday() < 5 and day not in off


def add_business_days(company: Company, start: date, days: int) -> date:
    """The `days`-th business day after `start` (`start` itself never counts)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(company, day):
            left -= 1
    return day


def next_due(cadence: Cadence, anchor: datetime) -> datetime:
    """When the follow-up of a touch at `anchor` falls due: `interval` days (or business
    days) after the touch's day in the company's time zone, at DUE_HOUR."""
    company = cadence.company
    zone = company_zone(company)
    day = anchor.astimezone(zone).date()
    if cadence.interval_unit == IntervalUnit.BUSINESS_DAYS:
        day = add_business_days(company, day, cadence.interval)
    else:
        day += timedelta(days=cadence.interval)
    return datetime.combine(day, time(DUE_HOUR), tzinfo=zone)


# -- the rules -------------------------------------------------------------------------------

CADENCE_FIELDS = (
    "name",
    "applies_to",
    "stage",
    "tag",
    "kind",
    "interval",
    "interval_unit",
    "summary_template",
    "repeat",
    "owner",
    "active",
)


def _interval(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= INTERVAL_MAX:
        raise ValidationFailed(
            _("Enter a whole number from 1 to %(max)d.") % {"max": INTERVAL_MAX},
            code="validation.invalid",
            field="interval",
        )
    return value


def _flag(value, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(_("Enter true or false."), code="validation.invalid", field=field)
    return value


def _clean(company: Company, values: dict, errors: FieldErrors) -> dict:
    cleaned = {}
    for field, value in values.items():
        if field == "name":
            cleaned[field] = errors.check(text, value, field=field, max_length=100, required=True)
        elif field == "applies_to":
            cleaned[field] = errors.check(choice, value, CadenceTarget, field=field)
        elif field == "stage":
            cleaned[field] = errors.check(
                same_company, company, value, field=field, model=PipelineStage
            )
        elif field == "tag":
            cleaned[field] = errors.check(same_company, company, value, field=field, model=Tag)
        elif field == "kind":
            cleaned[field] = errors.check(choice, value, ActivityKind, field=field)
        elif field == "interval":
            cleaned[field] = errors.check(_interval, value)
        elif field == "interval_unit":
            cleaned[field] = errors.check(choice, value, IntervalUnit, field=field)
        elif field == "summary_template":
            cleaned[field] = errors.check(text, value, field=field, max_length=200, required=True)
        elif field in ("repeat", "active"):
            cleaned[field] = errors.check(_flag, value, field=field)
        elif field == "owner":
            cleaned[field] = errors.check(member, company, value, field=field)
    return cleaned


def _check_rule(cadence: Cadence) -> None:
    """What only the combination of fields decides."""
    if cadence.stage is not None:
        if cadence.applies_to != CadenceTarget.OPPORTUNITY:
            raise ValidationFailed(
                _("Only a rule for opportunities has a stage."),
                code="validation.invalid",
                field="stage",
            )
        if cadence.stage.is_won or cadence.stage.is_lost:
            raise StageInvalid(_("Choose an open stage."), field="stage")
    if cadence.tag is not None and cadence.applies_to == CadenceTarget.LEAD:
        raise ValidationFailed(
            _("Leads have no tags; choose a segment for opportunities or customers."),
            code="validation.invalid",
            field="tag",
        )
    clash = Cadence.objects.filter(company=cadence.company, name__iexact=cadence.name).exclude(
        pk=cadence.pk
    )
    existing = clash.values_list("pk", flat=True).first()
    if existing is not None:
        raise Duplicate(
            _("A cadence with this name exists."), field="name", extra={"existing_id": existing}
        )


@transaction.atomic
def cadence_create(
    *,
    company: Company,
    name: str,
    applies_to: str,
    kind: str = ActivityKind.CALL,
    interval: int = 3,
    interval_unit: str = IntervalUnit.DAYS,
    summary_template: str = "Follow up: {record}",
    stage=None,
    tag=None,
    repeat: bool = True,
    owner=None,
    active: bool = True,
) -> Cadence:
    errors = FieldErrors()
    values = _clean(
        company,
        {
            "name": name,
            "applies_to": applies_to,
            "stage": stage,
            "tag": tag,
            "kind": kind,
            "interval": interval,
            "interval_unit": interval_unit,
            "summary_template": summary_template,
            "repeat": repeat,
            "owner": owner,
            "active": active,
        },
        errors,
    )
    errors.raise_any()
    cadence = Cadence(company=company, **values)
    _check_rule(cadence)
    cadence.save()
    return cadence


@transaction.atomic
def cadence_update(*, cadence: Cadence, **changes) -> Cadence:
    """Change the given fields (`UNSET` or absent: leave alone); planned activities stay."""
    unknown = set(changes) - set(CADENCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    cadence = locked(Cadence, cadence.pk)
    errors = FieldErrors()
    values = _clean(cadence.company, {k: v for k, v in changes.items() if v is not UNSET}, errors)
    errors.raise_any()
    for field, value in values.items():
        setattr(cadence, field, value)
    _check_rule(cadence)
    cadence.save()
    return cadence


@transaction.atomic
def cadence_delete(*, cadence: Cadence) -> None:
    """Its planned activities stay as ordinary ones."""
    locked(Cadence, cadence.pk).delete()


# -- the engine ------------------------------------------------------------------------------

LINK = {
    CadenceTarget.LEAD: "lead",
    CadenceTarget.OPPORTUNITY: "opportunity",
    CadenceTarget.PARTY: "party",
}


def records_under(cadence: Cadence) -> QuerySet:
    """The records `cadence` covers, as one queryset."""
    if cadence.applies_to == CadenceTarget.LEAD:
        return Lead.objects.filter(company_id=cadence.company_id, state=LeadState.NEW)
    if cadence.applies_to == CadenceTarget.OPPORTUNITY:
        qs = Opportunity.objects.filter(company_id=cadence.company_id, state=OpportunityState.OPEN)
        if cadence.stage_id:
            qs = qs.filter(stage_id=cadence.stage_id)
        if cadence.tag_id:
            qs = qs.filter(party__tags=cadence.tag_id)
        return qs
    qs = Party.objects.filter(company_id=cadence.company_id, is_customer=True, active=True)
    if cadence.tag_id:
        qs = qs.filter(tags=cadence.tag_id)
    return qs


def _last(model, link: str, field: str, **filters):
    rows = model.objects.filter(**{link: OuterRef("pk")}, **filters).order_by()
    return Subquery(rows.values(link).annotate(last=Max(field)).values("last")[:1])


def last_touch(link: str):
    """The latest done activity or logged interaction on the record (NULL if none)."""
    done = _last(Activity, link, "done_at", state=ActivityState.DONE)
    logged = _last(Interaction, link, "occurred_at")
    # SQLite's MAX(a, b) is NULL when either is (PostgreSQL's GREATEST skips NULLs), so
    # each side falls back on the other first.
    return Greatest(Coalesce(done, logged), Coalesce(logged, done))


def _due_candidates(cadence: Cadence, *, only: list[int] | None = None) -> list:
    link = LINK[cadence.applies_to]
    qs = records_under(cadence)
    if only is not None:
        qs = qs.filter(pk__in=only)
    open_activities = Activity.objects.filter(state=ActivityState.PLANNED)
    qs = qs.exclude(pk__in=open_activities.filter(**{f"{link}__isnull": False}).values(link))
    if not cadence.repeat:
        qs = qs.exclude(pk__in=Activity.objects.filter(cadence=cadence).values(link))
    anchor = F("created_at")
    if cadence.applies_to == CadenceTarget.OPPORTUNITY:
        entered = OpportunityStageChange.objects.filter(
            opportunity=OuterRef("pk"), to_stage=OuterRef("stage_id")
        ).order_by("-changed_at", "-id")
        anchor = Coalesce(Subquery(entered.values("changed_at")[:1]), F("created_at"))
    qs = qs.annotate(_touch=last_touch(link), _since=anchor)
    if cadence.applies_to == CadenceTarget.PARTY:
        latest_owner = (
            Opportunity.objects.filter(party=OuterRef("pk"), owner__isnull=False)
            .order_by("-created_at", "-id")
            .values("owner_id")[:1]
        )
        qs = qs.annotate(_owner_id=Subquery(latest_owner))
    else:
        qs = qs.annotate(_owner_id=F("owner_id"))
    if cadence.applies_to == CadenceTarget.OPPORTUNITY:
        qs = qs.select_related("stage")
    return list(qs.order_by("pk"))


def _summary(cadence: Cadence, record, owner_name: str) -> str:
    values = {
        "{record}": str(record),
        "{stage}": str(record.stage) if isinstance(record, Opportunity) else "",
        "{owner}": owner_name,
    }
    summary = cadence.summary_template
    for placeholder in PLACEHOLDERS:
        summary = summary.replace(placeholder, values[placeholder])
    return summary[:200]


def _plan(cadence: Cadence, *, only: list[int] | None = None, user=None) -> list[Activity]:
    """Plan the due follow-ups of `cadence` (whose row the caller has locked)."""
    link = LINK[cadence.applies_to]
    planned = []
    records = _due_candidates(cadence, only=only)
    owner_ids = {r._owner_id for r in records if r._owner_id} | (
        {cadence.owner_id} if cadence.owner_id else set()
    )
    names = {
        u.pk: (u.get_full_name() or u.get_username()) for u in User.objects.filter(pk__in=owner_ids)
    }
    for record in records:
        owner_id = record._owner_id or cadence.owner_id
        if owner_id is None:
            continue  # nobody to plan it for; the broken-cadence report shows the record
        anchor = max(t for t in (record._since, record._touch) if t is not None)
        activity = Activity(
            company_id=cadence.company_id,
            kind=cadence.kind,
            summary=_summary(cadence, record, names.get(owner_id, "")),
            due_at=next_due(cadence, anchor),
            owner_id=owner_id,
            cadence=cadence,
            created_by=user if user is not None and user.is_authenticated else None,
            **{link: record},
        )
        if isinstance(record, Opportunity):
            activity.party_id = record.party_id  # as activity_create links it
        planned.append(activity)
    return Activity.objects.bulk_create(planned)


def _lock_cadences(qs: QuerySet) -> list[Cadence]:
    return list(qs.select_for_update(of=("self",)).select_related("company").order_by("pk"))


def cadence_sweep(*, company: Company | None = None) -> int:
    """Plan the next activity of every record under an active rule that has none; returns
    how many were planned. One transaction per rule, so one rule's failure keeps the rest."""
    rules = Cadence.objects.filter(active=True)
    if company is not None:
        rules = rules.filter(company=company)
    count = 0
    for pk in rules.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            cadence = _lock_cadences(Cadence.objects.filter(pk=pk, active=True))
            if cadence:
                count += len(_plan(cadence[0]))
    return count


def cadence_after_done(*, activity: Activity, user=None) -> list[Activity]:
    """After `activity` was done (in the caller's transaction): plan the next follow-up of
    each rule that covers its lead, opportunity or customer and now has nothing planned."""
    targets = {
        CadenceTarget.LEAD: activity.lead_id,
        CadenceTarget.OPPORTUNITY: activity.opportunity_id,
        CadenceTarget.PARTY: activity.party_id,
    }
    wanted = Q(pk__in=[])
    for applies_to, record_id in targets.items():
        if record_id is not None:
            wanted |= Q(applies_to=applies_to)
    rules = _lock_cadences(
        Cadence.objects.filter(wanted, company_id=activity.company_id, active=True)
    )
    planned = []
    for cadence in rules:
        planned += _plan(cadence, only=[targets[cadence.applies_to]], user=user)
    return planned
