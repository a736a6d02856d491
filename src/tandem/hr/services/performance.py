"""Performance: review cycles (draft -> open -> closed), goals with weights and key results,
self and manager reviews with ratings, and a sales rep's achievement against their CRM sales
targets (read from crm; nothing in crm changes)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.services._common import check_company, lock, text
from tandem.core.errors import Conflict, Duplicate, Forbidden, InvalidTransition, ValidationFailed

from ..models import (
    CYCLE_TRANSITIONS,
    CycleState,
    Goal,
    GoalSource,
    Review,
    ReviewCycle,
    ReviewKind,
    ReviewState,
)
from .leave import approver_for
from .org import _date

PCT = Decimal("0.1")


@transaction.atomic
def review_cycle_create(*, company, name, start, end) -> ReviewCycle:
    first, last = _date(start, field="start"), _date(end, field="end")
    if last < first:
        raise ValidationFailed(
            "end: before the start", code="review_cycle.end_before_start", field="end"
        )
    name = text(name, field="name", max_length=200, required=True)
    if ReviewCycle.objects.filter(company=company, name=name).exists():
        raise Duplicate(
            "A cycle with this name exists", code="review_cycle.duplicate", field="name"
        )
    return ReviewCycle.objects.create(company=company, name=name, start=first, end=last)


@transaction.atomic
def review_cycle_transition(*, cycle, state) -> ReviewCycle:
    row = lock(ReviewCycle, [cycle.pk])[cycle.pk]
    if state not in CYCLE_TRANSITIONS[CycleState(row.state)]:
        raise InvalidTransition(
            f"A {row.state} cycle cannot become {state}",
            code="review_cycle.invalid_transition",
            field="state",
        )
    row.state = state
    row.save(update_fields=["state", "updated_at"])
    return row


def _key_results(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationFailed("key_results: a list", field="key_results")
    out = []
    for index, item in enumerate(value):
        where = f"key_results[{index}]"
        if not isinstance(item, dict):
            raise ValidationFailed(f"{where}: an object", field=where)
        try:
            target = Decimal(str(item.get("target", "")))
            actual = Decimal(str(item.get("actual", 0) or 0))
        except InvalidOperation:
            raise ValidationFailed(f"{where}: target and actual are numbers", field=where) from None
        if not target.is_finite() or target <= 0 or not actual.is_finite() or actual < 0:
            raise ValidationFailed(
                f"{where}: target above 0, actual not negative",
                code="goal.key_result_invalid",
                field=where,
            )
        out.append(
            {
                "title": text(
                    item.get("title"), field=f"{where}.title", max_length=200, required=True
                ),
                "target": str(target),
                "actual": str(actual),
            }
        )
    return out


def _achievement(key_results: list[dict]) -> Decimal | None:
    if not key_results:
        return None
    shares = [Decimal(kr["actual"]) * 100 / Decimal(kr["target"]) for kr in key_results]
    return (sum(shares) / len(shares)).quantize(PCT, ROUND_HALF_UP)


@transaction.atomic
def goal_create(*, cycle, employee, title, weight, key_results=None) -> Goal:
    """A goal; the weights of one employee's goals in a cycle add up to at most 100."""
    check_company(cycle.company, employee, field="employee")
    cycle = lock(ReviewCycle, [cycle.pk])[cycle.pk]
    if cycle.state == CycleState.CLOSED:
        raise InvalidTransition("The cycle is closed", code="review_cycle.closed", field="cycle")
    try:
        weight = Decimal(str(weight))
    except InvalidOperation:
        raise ValidationFailed("weight: a number", field="weight") from None
    if (
        not weight.is_finite()
        or not 0 < weight <= 100
        or weight != weight.quantize(Decimal("0.01"))
    ):
        raise ValidationFailed(
            "weight: above 0, at most 100", code="goal.weight_invalid", field="weight"
        )
    used = (
        Goal.objects.filter(cycle=cycle, employee=employee).aggregate(total=Sum("weight"))["total"]
        or 0
    )
    if used + weight > 100:
        raise Conflict(
            f"weight: the employee's goals would weigh {used + weight} (at most 100)",
            code="goal.weights_over_100",
            field="weight",
        )
    krs = _key_results(key_results)
    return Goal.objects.create(
        company=cycle.company,
        cycle=cycle,
        employee=employee,
        title=text(title, field="title", max_length=200, required=True),
        weight=weight,
        key_results=krs,
        achievement=_achievement(krs),
    )


@transaction.atomic
def goal_sales_target(*, cycle, employee, weight) -> Goal:
    """A goal whose achievement is the employee's won revenue against their CRM sales
    targets over the cycle (the targets of the months inside it); refused for an employee
    without a user or without targets."""
    from tandem.crm.models import SalesTarget
    from tandem.crm.queries.performance import performance

    if employee.user_id is None:
        raise ValidationFailed(
            "employee: not linked to a user, so no CRM targets",
            code="goal.no_sales_targets",
            field="employee",
        )
    targets = list(
        SalesTarget.objects.filter(
            company=cycle.company,
            user_id=employee.user_id,
            period="month",
            period_start__gte=cycle.start,
            period_start__lte=cycle.end,
        ).order_by("period_start")
    )
    if not targets:
        raise ValidationFailed(
            "employee: no monthly CRM sales targets in the cycle",
            code="goal.no_sales_targets",
            field="employee",
        )
    target_total = Decimal(0)
    reached = Decimal(0)
    for target in targets:
        figures = performance(
            cycle.company, period="month", on=target.period_start, measure=target.measure
        )
        row = next((r for r in figures["rows"] if r["user"] == employee.user_id), None)
        target_total += target.amount
        if row is not None:
            reached += (
                row["won_revenue"] if target.measure == "won_revenue" else row["invoiced_revenue"]
            )
    goal = goal_create(
        cycle=cycle,
        employee=employee,
        title="Sales target",
        weight=weight,
        key_results=[
            {"title": "Revenue against the CRM targets", "target": target_total, "actual": reached}
        ],
    )
    goal.source = GoalSource.SALES_TARGET
    goal.save(update_fields=["source", "updated_at"])
    return goal


@transaction.atomic
def review_submit(*, cycle, employee, kind, rating, comment="", user=None, is_hr=False) -> Review:
    """A self review by the employee, a manager review by their approver (or HR); one of
    each per cycle, final once submitted."""
    check_company(cycle.company, employee, field="employee")
    if kind not in ReviewKind.values:
        raise ValidationFailed("kind: self or manager", code="validation.choice", field="kind")
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValidationFailed("rating: 1 to 5", code="review.rating_invalid", field="rating")
    cycle = lock(ReviewCycle, [cycle.pk])[cycle.pk]
    if cycle.state != CycleState.OPEN:
        raise InvalidTransition(
            "The cycle is not open", code="review_cycle.not_open", field="cycle"
        )
    reviewer = employee if kind == ReviewKind.SELF else approver_for(employee, cycle.end)
    if user is not None and not is_hr:
        allowed = (
            employee.user_id if kind == ReviewKind.SELF else getattr(reviewer, "user_id", None)
        )
        if allowed != user.pk:
            raise Forbidden(
                "Only the employee or their manager writes this review", code="review.not_reviewer"
            )
    if Review.objects.filter(cycle=cycle, employee=employee, kind=kind).exists():
        raise Duplicate("This review is submitted", code="review.duplicate", field="kind")
    return Review.objects.create(
        company=cycle.company,
        cycle=cycle,
        employee=employee,
        kind=kind,
        reviewer=reviewer,
        rating=rating,
        comment=text(comment, field="comment", max_length=5000),
        state=ReviewState.SUBMITTED,
        submitted_at=timezone.now(),
    )
