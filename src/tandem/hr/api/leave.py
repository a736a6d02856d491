"""/leave-types, /leave-allocations, /leave-requests (submit, approve, refuse, cancel),
/employees/{id}/leave-balance, /attendance.

HR (the hr.* permissions) sees and acts on every row of the company. Anyone else sees their
own requests and the ones they approve, creates requests for themselves, and decides only
the requests they are the approver of; rows they may not see answer 404."""

from datetime import date

from django.db.models import Q
from django.utils import timezone
from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import NotFound
from tandem.core.services import user_permissions

from .. import services
from ..models import Attendance, Employee, LeaveAllocation, LeaveRequest, LeaveType
from ..schemas import (
    AttendanceIn,
    AttendanceOut,
    BalanceOut,
    DecisionIn,
    LeaveAllocationIn,
    LeaveAllocationOut,
    LeaveRequestIn,
    LeaveRequestOut,
    LeaveTypeIn,
    LeaveTypeOut,
    LeaveTypePatch,
)
from . import router
from .org import LIMIT, OFFSET

STATE = Query("", pattern=r"^(|draft|submitted|approved|refused|cancelled)$")


def _perms(request):
    perms = getattr(request, "_tandem_perms", None)
    if perms is None:
        perms = user_permissions(request.user, company_of(request))
        request._tandem_perms = perms
    return perms


def _me(request):
    return Employee.objects.filter(company=company_of(request), user=request.user).first()


# -- types and allocations -------------------------------------------------------------------


@router.get("/leave-types", response=page_of(LeaveTypeOut))
def leave_type_list(request, limit: int = LIMIT, offset: int = OFFSET):
    """Every employee may read the leave types (to ask for leave)."""
    company_of(request)
    qs = LeaveType.objects.filter(company=company_of(request)).order_by("code")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/leave-types", response={201: LeaveTypeOut})
def leave_type_add(request, payload: LeaveTypeIn):
    require_perm(request, "hr.add_leavetype")
    row = services.leave_type_create(company=company_of(request), **payload.dict())
    return Status(201, row)


@router.patch("/leave-types/{type_id}", response=LeaveTypeOut)
def leave_type_patch(request, type_id: int, payload: LeaveTypePatch):
    require_perm(request, "hr.change_leavetype")
    row = get_scoped(LeaveType, request, type_id, label="leave_type")
    return services.leave_type_update(leave_type=row, **payload.dict(exclude_unset=True))


@router.get("/leave-allocations", response=page_of(LeaveAllocationOut))
def allocation_list(request, limit: int = LIMIT, offset: int = OFFSET, employee: int = 0):
    require_perm(request, "hr.view_leaveallocation")
    qs = LeaveAllocation.objects.filter(company=company_of(request))
    if employee:
        qs = qs.filter(employee_id=employee)
    return paginate(qs.order_by("-date", "-pk"), limit=limit, offset=offset)


@router.post("/leave-allocations", response={201: LeaveAllocationOut})
def allocation_add(request, payload: LeaveAllocationIn):
    require_perm(request, "hr.add_leaveallocation")
    row = services.leave_allocation_create(
        company=company_of(request),
        employee=get_ref(Employee, request, payload.employee, field="employee"),
        leave_type=get_ref(LeaveType, request, payload.leave_type, field="leave_type"),
        amount=payload.amount,
        date=payload.date,
        note=payload.note,
    )
    return Status(201, row)


# -- requests ------------------------------------------------------------------------------


def _visible_requests(request):
    qs = LeaveRequest.objects.filter(company=company_of(request))
    if "hr.view_leaverequest" in _perms(request):
        return qs
    me = _me(request)
    if me is None:
        return qs.none()
    return qs.filter(Q(employee=me) | Q(approver=me))


@router.get("/leave-requests", response=page_of(LeaveRequestOut))
def leave_request_list(
    request, limit: int = LIMIT, offset: int = OFFSET, employee: int = 0, state: str = STATE
):
    qs = _visible_requests(request)
    if employee:
        qs = qs.filter(employee_id=employee)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-start", "-pk"), limit=limit, offset=offset)


@router.get("/leave-requests/{request_id}", response=LeaveRequestOut)
def leave_request_read(request, request_id: int):
    return get_scoped(_visible_requests(request), request, request_id, label="leave_request")


@router.post("/leave-requests", response={201: LeaveRequestOut})
def leave_request_add(request, payload: LeaveRequestIn):
    """For another employee: HR only (hr.add_leaverequest); without `employee`: the caller's
    own record. Refusals: 409 `leave.insufficient_balance` (with `extra.available`),
    `leave.overlap`; 422 `leave_request.end_before_start`, `leave_request.no_working_days`."""
    me = _me(request)
    if payload.employee is None or (me is not None and payload.employee == me.pk):
        if me is None:
            raise NotFound("You have no employee record", code="employee.not_found")
        employee = me
    else:
        require_perm(request, "hr.add_leaverequest")
        employee = get_ref(Employee, request, payload.employee, field="employee")
    data = payload.dict()
    data.pop("employee")
    row = services.leave_request_create(
        company=company_of(request),
        employee=employee,
        leave_type=get_ref(LeaveType, request, data.pop("leave_type"), field="leave_type"),
        **data,
    )
    return Status(201, row)


@router.post("/leave-requests/{request_id}/{action}", response=LeaveRequestOut)
def leave_request_act(request, request_id: int, action: str, payload: DecisionIn | None = None):
    """`submit` and `cancel` by the employee or HR; `approve` and `refuse` by the approver
    (the manager, else the department's head) or HR, never by the employee (403
    `leave_request.not_approver`)."""
    row = leave_request_read(request, request_id)
    note = payload.note if payload else ""
    is_hr = "hr.change_leaverequest" in _perms(request)
    own = row.employee.user_id == request.user.pk
    if action == "submit":
        if not (own or is_hr):
            raise NotFound(f"No leave_request with id {request_id}", code="leave_request.not_found")
        return services.leave_request_submit(request=row, user=request.user)
    if action == "cancel":
        if not (own or is_hr):
            raise NotFound(f"No leave_request with id {request_id}", code="leave_request.not_found")
        return services.leave_request_cancel(request=row, user=request.user, note=note)
    if action == "approve":
        return services.leave_request_approve(
            request=row, user=request.user, is_hr=is_hr, note=note
        )
    if action == "refuse":
        return services.leave_request_refuse(request=row, user=request.user, is_hr=is_hr, note=note)
    raise NotFound(f"No action {action!r}", code="not_found")


@router.get("/employees/{employee_id}/leave-balance", response=list[BalanceOut])
def leave_balance(request, employee_id: int, type: int = 0, as_of: date | None = None):  # noqa: A002
    """Each type's balance on `as_of` (today when empty): the sum of the leave ledger's
    entries up to that date. HR, or the employee themself."""
    company = company_of(request)
    qs = Employee.objects.filter(company=company)
    if "hr.view_leaverequest" not in _perms(request):
        qs = qs.filter(user=request.user)
    employee = get_scoped(qs, request, employee_id, label="employee")
    on = as_of or timezone.localdate()
    rows = services.leave_balances(company=company, employee=employee, as_of=on)
    if type:
        rows = [r for r in rows if r["type"].pk == type]
        if not rows:
            raise NotFound(f"No leave_type with id {type}", code="leave_type.not_found")
    return [
        {
            "employee": employee.pk,
            "leave_type": r["type"].pk,
            "code": r["type"].code,
            "unit": r["type"].unit,
            "as_of": on,
            "balance": r["balance"],
        }
        for r in rows
    ]


# -- attendance ----------------------------------------------------------------------------


def _visible_attendance(request):
    qs = Attendance.objects.filter(company=company_of(request))
    if "hr.view_attendance" in _perms(request):
        return qs
    return qs.filter(employee__user=request.user)


@router.get("/attendance", response=page_of(AttendanceOut))
def attendance_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    employee: int = 0,
    since: date | None = None,
    until: date | None = None,
):
    qs = _visible_attendance(request)
    if employee:
        qs = qs.filter(employee_id=employee)
    if since:
        qs = qs.filter(check_in__date__gte=since)
    if until:
        qs = qs.filter(check_in__date__lte=until)
    return paginate(qs.order_by("-check_in", "-pk"), limit=limit, offset=offset)


@router.post("/attendance", response={201: AttendanceOut})
def attendance_add(request, payload: AttendanceIn):
    """HR records any employee's times (both given); without `employee`, the caller checks
    in now (no times) or records their own. 409 `attendance.overlap`,
    `attendance.already_checked_in`; 422 `attendance.out_before_in`."""
    me = _me(request)
    if payload.employee is None or (me is not None and payload.employee == me.pk):
        if me is None:
            raise NotFound("You have no employee record", code="employee.not_found")
        employee = me
    else:
        require_perm(request, "hr.add_attendance")
        employee = get_ref(Employee, request, payload.employee, field="employee")
    row = services.attendance_record(
        company=company_of(request),
        employee=employee,
        check_in=payload.check_in,
        check_out=payload.check_out,
        source="api",
    )
    return Status(201, row)


@router.post("/attendance/check-out", response=AttendanceOut)
def attendance_check_out(request):
    """The caller's open attendance closes now (409 `attendance.not_checked_in`)."""
    me = _me(request)
    if me is None:
        raise NotFound("You have no employee record", code="employee.not_found")
    return services.attendance_check_out(employee=me)
