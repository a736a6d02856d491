"""Sales targets (业绩目标) per rep or per team and period."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.core.errors import ValidationFailed
from tandem.core.models import Company
from tandem.parties.validation import FieldErrors

from ..models import SalesTarget, SalesTeam, TargetMeasure, TargetPeriod
from ._common import a_date, choice, locked, member, revenue, same_company


def _period_start(period: str, on: date) -> date:
    from ..queries.performance import period_bounds

    return period_bounds(period, on)[0]


@transaction.atomic
def target_set(
    *,
    company: Company,
    period: str,
    period_start: date,
    amount,
    measure: str = TargetMeasure.WON_REVENUE,
    user=None,
    team=None,
) -> SalesTarget:
    """Set the target of one rep or one team (exactly one) for the period holding
    `period_start`; setting it again changes the amount."""
    errors = FieldErrors()
    period = errors.check(choice, period, TargetPeriod, field="period")
    measure = errors.check(choice, measure, TargetMeasure, field="measure")
    on = errors.check(a_date, period_start, field="period_start")
    amount = errors.check(revenue, amount, currency=company.currency_id, field="amount")
    user = errors.check(member, company, user, field="user")
    team = errors.check(same_company, company, team, field="team", model=SalesTeam)
    if on is None and "period_start" not in {e.field for e in errors.failures}:
        errors.failures.append(
            ValidationFailed(_("Enter a date."), code="validation.required", field="period_start")
        )
    errors.raise_any()
    if (user is None) == (team is None):
        raise ValidationFailed(
            _("Set the target of a rep or of a team."), code="validation.required", field="user"
        )
    start = _period_start(period, on)
    target, _created = SalesTarget.objects.select_for_update().get_or_create(
        company=company,
        user=user,
        team=team,
        period=period,
        period_start=start,
        measure=measure,
        defaults={"amount": amount},
    )
    if target.amount != amount:
        target.amount = amount
        target.save(update_fields=["amount", "updated_at"])
    return target


@transaction.atomic
def target_delete(*, target: SalesTarget) -> None:
    locked(SalesTarget, target.pk).delete()
