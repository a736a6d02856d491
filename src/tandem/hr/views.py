"""HR pages: home, departments, employees (with versions), payroll runs, payslips."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import services
from .models import (
    Attendance,
    Department,
    Employee,
    EmployeeVersion,
    LeaveRequest,
    LeaveState,
    LeaveType,
    PayrollRun,
    Payslip,
    PayslipLine,
    RunState,
    SalaryStructure,
)


def _company_rows(request, model):
    return model.objects.filter(company=request.company)


@company_view("hr.view_employee")
def home(request):
    company = request.company
    runs = _company_rows(request, PayrollRun).select_related("structure").order_by("-period")[:5]
    context = {
        "employees": _company_rows(request, Employee).filter(leave_date__isnull=True).count(),
        "departments": _company_rows(request, Department).count(),
        "structures": SalaryStructure.objects.filter(company=company).count(),
        "runs": runs,
    }
    return render(request, "hr/home.html", context)


@company_view("hr.view_department")
def department_list(request):
    departments = list(
        _company_rows(request, Department)
        .select_related("manager", "parent")
        .order_by("name", "pk")
    )
    children: dict = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    tree = []

    def walk(parent_id, depth):
        for department in children.get(parent_id, []):
            tree.append((department, depth))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return render(request, "hr/department_list.html", {"tree": tree})


@company_view("hr.view_employee")
def employee_list(request):
    q = request.GET.get("q", "").strip()
    qs = _company_rows(request, Employee).order_by("number", "pk")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "hr/employee_list.html", {"page": page, "q": q})


@company_view("hr.view_employee")
def employee_detail(request, pk):
    employee = get_object_or_404(
        _company_rows(request, Employee).prefetch_related(
            Prefetch(
                "versions",
                queryset=EmployeeVersion.objects.select_related(
                    "department", "position", "manager"
                ).order_by("-effective_from"),
            )
        ),
        pk=pk,
    )
    slips = (
        Payslip.objects.filter(company=request.company, employee=employee)
        .select_related("run")
        .order_by("-period")[:24]
    )
    from django.utils import timezone

    today = timezone.localdate()
    context = {
        "employee": employee,
        "versions": employee.versions.all(),
        "slips": slips,
        "balances": services.leave_balances(
            company=request.company, employee=employee, as_of=today
        ),
        "requests": LeaveRequest.objects.filter(employee=employee)
        .select_related("leave_type")
        .order_by("-start", "-pk")[:20],
        "types": LeaveType.objects.filter(company=request.company, active=True),
        "today": today,
        "can_request": request_has_perm(request, "hr.add_leaverequest"),
        "is_hr": request_has_perm(request, "hr.change_leaverequest"),
    }
    return render(request, "hr/employee_detail.html", context)


@company_view("hr.view_payrollrun")
def run_list(request):
    runs = (
        _company_rows(request, PayrollRun)
        .select_related("structure")
        .annotate(
            slips=Count("payslips"),
            failed=Count("payslips", filter=Q(payslips__state="failed")),
            net=Sum("payslips__net"),
        )
        .order_by("-period", "-pk")
    )
    structures = SalaryStructure.objects.filter(company=request.company, active=True)
    context = {
        "runs": runs,
        "structures": structures,
        "can_create": request_has_perm(request, "hr.add_payrollrun"),
    }
    return render(request, "hr/run_list.html", context)


@company_view("hr.add_payrollrun")
@require_POST
def run_create(request):
    structure = SalaryStructure.objects.filter(
        company=request.company, pk=request.POST.get("structure") or 0
    ).first()
    try:
        run = services.payroll_run_create(
            company=request.company, period=request.POST.get("period", ""), structure=structure
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("hr:run_list")
    return redirect("hr:run_detail", pk=run.pk)


@company_view("hr.view_payrollrun")
def run_detail(request, pk):
    run = get_object_or_404(
        _company_rows(request, PayrollRun).select_related("structure", "entry"), pk=pk
    )
    slips = run.payslips.select_related("employee").order_by("employee__number")
    totals = slips.aggregate(
        gross=Sum("gross"),
        deductions=Sum("deductions"),
        tax=Sum("tax"),
        net=Sum("net"),
        employer_cost=Sum("employer_cost"),
    )
    context = {
        "run": run,
        "slips": slips,
        "totals": totals,
        "can_change": request_has_perm(request, "hr.change_payrollrun"),
        "posted": run.state == RunState.POSTED,
    }
    return render(request, "hr/run_detail.html", context)


@company_view("hr.change_payrollrun")
@require_POST
def run_action(request, pk, action):
    run = get_object_or_404(_company_rows(request, PayrollRun), pk=pk)
    try:
        if action == "compute":
            services.payroll_run_compute(run=run, user=request.user)
            messages.success(request, _("The payroll run is computed."))
        elif action == "post":
            services.payroll_run_post(run=run, user=request.user)
            messages.success(request, _("The payroll run is posted."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("hr:run_detail", pk=pk)


@login_required
def payslip(request, pk):
    """HR sees any payslip of the company, an employee only their own: anyone else gets a
    404, as if it did not exist. Not `company_view`: an employee holds no HR permission."""
    if request.company is None:
        raise Http404
    qs = Payslip.objects.filter(company=request.company).select_related("employee", "run")
    if not request_has_perm(request, "hr.view_payslip"):
        qs = qs.filter(employee__user=request.user)
    slip = get_object_or_404(qs, pk=pk)
    lines = PayslipLine.objects.filter(payslip=slip).order_by("sequence")
    return render(request, "hr/payslip.html", {"slip": slip, "lines": lines})


# -- payslip PDF, leave, attendance ----------------------------------------------------------


def _own_employee(request):
    return Employee.objects.filter(company=request.company, user=request.user).first()


@login_required
def payslip_pdf(request, pk):
    """The payslip as PDF (`?lang=en|zh-hans`): HR and the employee only, 404 otherwise."""
    from django.http import HttpResponse

    from .pdf import payslip_pdf as render_pdf

    if request.company is None:
        raise Http404
    qs = Payslip.objects.filter(company=request.company)
    if not request_has_perm(request, "hr.view_payslip"):
        qs = qs.filter(employee__user=request.user)
    slip = get_object_or_404(qs, pk=pk)
    content, filename = render_pdf(slip, request.GET.get("lang", ""))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _leave_rows(request):
    qs = LeaveRequest.objects.filter(company=request.company).select_related(
        "employee", "leave_type", "approver"
    )
    if request_has_perm(request, "hr.view_leaverequest"):
        return qs
    me = _own_employee(request)
    if me is None:
        return qs.none()
    return qs.filter(Q(employee=me) | Q(approver=me))


@login_required
def leave_list(request):
    """Leave requests: HR sees the company's, others their own and the ones they approve;
    the form asks for leave (HR for anyone, others for themselves)."""
    if request.company is None:
        raise Http404
    is_hr = request_has_perm(request, "hr.add_leaverequest")
    me = _own_employee(request)
    state = request.GET.get("state", "")
    rows = _leave_rows(request).order_by("-start", "-pk")
    if state in LeaveState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "states": LeaveState.choices,
        "types": LeaveType.objects.filter(company=request.company, active=True),
        "employees": (
            _company_rows(request, Employee).order_by("number") if is_hr else ([me] if me else [])
        ),
        "me": me,
        "is_hr": request_has_perm(request, "hr.change_leaverequest"),
    }
    return render(request, "hr/leave_list.html", context)


@login_required
@require_POST
def leave_create(request):
    if request.company is None:
        raise Http404
    me = _own_employee(request)
    employees = _company_rows(request, Employee)
    if not request_has_perm(request, "hr.add_leaverequest"):
        employees = employees.filter(pk=me.pk if me else 0)
    employee = employees.filter(pk=request.POST.get("employee") or 0).first()
    leave_type = LeaveType.objects.filter(
        company=request.company, pk=request.POST.get("leave_type") or 0
    ).first()
    back = request.POST.get("next") or ""
    if employee is None or leave_type is None:
        messages.error(request, _("Choose an employee and a leave type."))
    else:
        try:
            services.leave_request_create(
                company=request.company,
                employee=employee,
                leave_type=leave_type,
                start=request.POST.get("start"),
                end=request.POST.get("end") or request.POST.get("start"),
                start_half=request.POST.get("start_half", ""),
                end_half=request.POST.get("end_half", ""),
                reason=request.POST.get("reason", ""),
                submit=bool(request.POST.get("submit")),
            )
            messages.success(request, _("The leave request is saved."))
        except DomainError as error:
            messages.error(request, error.message)
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("hr:leave_list")


@login_required
@require_POST
def leave_action(request, pk, action):
    if request.company is None:
        raise Http404
    row = get_object_or_404(_leave_rows(request), pk=pk)
    is_hr = request_has_perm(request, "hr.change_leaverequest")
    own = row.employee.user_id == request.user.pk
    note = request.POST.get("note", "")
    try:
        if action == "submit" and (own or is_hr):
            services.leave_request_submit(request=row, user=request.user)
        elif action == "cancel" and (own or is_hr):
            services.leave_request_cancel(request=row, user=request.user, note=note)
        elif action == "approve":
            services.leave_request_approve(request=row, user=request.user, is_hr=is_hr, note=note)
        elif action == "refuse":
            services.leave_request_refuse(request=row, user=request.user, is_hr=is_hr, note=note)
        else:
            raise Http404
        messages.success(request, _("The leave request is updated."))
    except DomainError as error:
        messages.error(request, error.message)
    back = request.POST.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("hr:leave_list")


@login_required
def attendance(request):
    """Check in and out (the user's own employee record); HR sees the recent attendance
    of everyone, with lateness and overtime of the day."""
    if request.company is None:
        raise Http404
    me = _own_employee(request)
    if request.method == "POST":
        if me is None:
            raise Http404
        try:
            if request.POST.get("action") == "out":
                services.attendance_check_out(employee=me)
                messages.success(request, _("Checked out."))
            else:
                services.attendance_record(company=request.company, employee=me, source="page")
                messages.success(request, _("Checked in."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("hr:attendance")
    rows = Attendance.objects.filter(company=request.company).select_related("employee")
    if not request_has_perm(request, "hr.view_attendance"):
        rows = rows.filter(employee=me) if me else rows.none()
    page = Paginator(rows.order_by("-check_in", "-pk"), 50).get_page(request.GET.get("page"))
    is_open = bool(me and Attendance.objects.filter(employee=me, check_out__isnull=True).exists())
    return render(request, "hr/attendance.html", {"page": page, "me": me, "is_open": is_open})
