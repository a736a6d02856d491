"""/review-cycles, /goals, /reviews. HR manages cycles and goals; reviews are written by the
employee (self) and their manager (or HR); HR sees all, others their own and their team's."""

from django.db.models import Q
from ninja import Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm

from .. import services
from ..models import Employee, Goal, Review, ReviewCycle
from ..schemas import (
    CycleIn,
    CycleOut,
    CycleStateIn,
    GoalIn,
    GoalOut,
    ReviewIn,
    ReviewOut,
)
from . import router
from .leave import _me, _perms
from .org import LIMIT, OFFSET


@router.get("/review-cycles", response=page_of(CycleOut))
def cycle_list(request, limit: int = LIMIT, offset: int = OFFSET):
    qs = ReviewCycle.objects.filter(company=company_of(request)).order_by("-start", "-pk")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/review-cycles", response={201: CycleOut})
def cycle_add(request, payload: CycleIn):
    require_perm(request, "hr.add_reviewcycle")
    return Status(201, services.review_cycle_create(company=company_of(request), **payload.dict()))


@router.post("/review-cycles/{cycle_id}/state", response=CycleOut)
def cycle_state(request, cycle_id: int, payload: CycleStateIn):
    require_perm(request, "hr.change_reviewcycle")
    cycle = get_scoped(ReviewCycle, request, cycle_id, label="review_cycle")
    return services.review_cycle_transition(cycle=cycle, state=payload.state)


def _visible(request, model):
    qs = model.objects.filter(company=company_of(request))
    if f"hr.view_{model._meta.model_name}" in _perms(request):
        return qs
    me = _me(request)
    if me is None:
        return qs.none()
    team = Q(employee__versions__manager=me) | Q(employee__versions__department__manager=me)
    return qs.filter(Q(employee=me) | team).distinct()


@router.get("/goals", response=page_of(GoalOut))
def goal_list(request, limit: int = LIMIT, offset: int = OFFSET, cycle: int = 0, employee: int = 0):
    qs = _visible(request, Goal)
    if cycle:
        qs = qs.filter(cycle_id=cycle)
    if employee:
        qs = qs.filter(employee_id=employee)
    return paginate(qs.order_by("cycle_id", "employee_id", "pk"), limit=limit, offset=offset)


@router.post("/goals", response={201: GoalOut})
def goal_add(request, payload: GoalIn):
    """Weights of one employee's goals in a cycle add up to at most 100 (409
    `goal.weights_over_100`); `sales_target: true` measures the CRM sales targets."""
    require_perm(request, "hr.add_goal")
    cycle = get_ref(ReviewCycle, request, payload.cycle, field="cycle")
    employee = get_ref(Employee, request, payload.employee, field="employee")
    if payload.sales_target:
        goal = services.goal_sales_target(cycle=cycle, employee=employee, weight=payload.weight)
    else:
        goal = services.goal_create(
            cycle=cycle,
            employee=employee,
            title=payload.title,
            weight=payload.weight,
            key_results=[kr.dict() for kr in payload.key_results],
        )
    return Status(201, goal)


@router.get("/reviews", response=page_of(ReviewOut))
def review_list(request, limit: int = LIMIT, offset: int = OFFSET, cycle: int = 0):
    qs = _visible(request, Review)
    if cycle:
        qs = qs.filter(cycle_id=cycle)
    return paginate(qs.order_by("cycle_id", "employee_id", "kind"), limit=limit, offset=offset)


@router.post("/reviews", response={201: ReviewOut})
def review_add(request, payload: ReviewIn):
    """The employee writes their self review, their manager the manager review (403
    `review.not_reviewer` for anyone else without HR's permission)."""
    cycle = get_ref(ReviewCycle, request, payload.cycle, field="cycle")
    employee = get_ref(Employee, request, payload.employee, field="employee")
    review = services.review_submit(
        cycle=cycle,
        employee=employee,
        kind=payload.kind,
        rating=payload.rating,
        comment=payload.comment,
        user=request.user,
        is_hr="hr.add_review" in _perms(request),
    )
    return Status(201, review)
