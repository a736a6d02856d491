"""HR pages: home, departments, employees (with versions), payroll runs, payslips."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.errors import DomainError
from tandem.core.jobs import job_for_request, job_start
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import queries, services
from .document_views import documents_context
from .errors import RunPosted
from .jobs import PAYROLL_COMPUTE
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

RUN_PAGE_SIZE = 50  # payslips per page of a run, as other list pages


def _company_rows(request, model):
    return model.objects.filter(company=request.company)


@login_required
def home(request):
    """HR's start page; someone without HR's view of employees goes to their own page."""
    if (
        request.company is not None
        and not request_has_perm(request, "hr.view_employee")
        and _own_employee(request) is not None
    ):
        return redirect("hr:my_page")
    return _hr_home(request)


@company_view("hr.view_employee")
def _hr_home(request):
    company = request.company
    runs = _company_rows(request, PayrollRun).select_related("structure").order_by("-period")[:5]
    context = {
        "employees": _company_rows(request, Employee).filter(leave_date__isnull=True).count(),
        "departments": _company_rows(request, Department).count(),
        "structures": SalaryStructure.objects.filter(company=company).count(),
        "runs": runs,
        "expiring": (
            list(queries.documents_expiring(company)[:50])
            if request_has_perm(request, "hr.view_employeedocument")
            else None
        ),
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


def _with_decisions(request, rows):
    """The rows, each marked with whether this user may approve or refuse it (never their
    own request), so the page offers only the buttons the service would accept."""
    is_hr = request_has_perm(request, "hr.change_leaverequest")
    rows = list(rows)
    for row in rows:
        row.may_decide = services.may_decide(row, request.user, is_hr=is_hr)
    return rows


def _employee_context(request, employee) -> dict:
    """What the employee's page shows: versions, leave balances and requests, payslips and
    the goals of their review cycles."""
    from django.utils import timezone

    from .models import Goal

    today = timezone.localdate()
    slips = (
        Payslip.objects.filter(company=request.company, employee=employee)
        .select_related("run")
        .order_by("-period")[:24]
    )
    goals = (
        Goal.objects.filter(company=request.company, employee=employee)
        .select_related("cycle")
        .order_by("-cycle__start", "pk")[:20]
    )
    return {
        "employee": employee,
        "versions": employee.versions.all(),
        "slips": slips,
        "goals": goals,
        "balances": services.leave_balances(
            company=request.company, employee=employee, as_of=today
        ),
        "requests": _with_decisions(
            request,
            LeaveRequest.objects.filter(employee=employee)
            .select_related("leave_type", "employee", "approver")
            .order_by("-start", "-pk")[:20],
        ),
        "types": LeaveType.objects.filter(company=request.company, active=True),
        "today": today,
    }


@login_required
def my_page(request):
    """The user's own employee page: their versions, leave (with the request form), payslips
    and goals; 404 for a user without an employee record in the company."""
    if request.company is None:
        raise Http404
    employee = get_object_or_404(
        _company_rows(request, Employee).prefetch_related(
            Prefetch(
                "versions",
                queryset=EmployeeVersion.objects.select_related(
                    "department", "position", "manager"
                ).order_by("-effective_from"),
            )
        ),
        user=request.user,
    )
    context = _employee_context(request, employee)
    context.update(can_request=True, is_hr=False, own_page=True)
    context.update(documents_context(request, employee, own_page=True))
    return render(request, "hr/employee_detail.html", context)


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
    context = _employee_context(request, employee)
    context.update(
        can_request=request_has_perm(request, "hr.add_leaverequest"),
        is_hr=request_has_perm(request, "hr.change_leaverequest"),
    )
    context.update(documents_context(request, employee))
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
        _company_rows(request, PayrollRun).select_related("structure", "entry", "payment_entry"),
        pk=pk,
    )
    slips = run.payslips.select_related("employee").order_by("employee__number", "pk")
    # the totals are the whole run's, summed in SQL; the table shows one page of it
    totals = run.payslips.aggregate(
        count=Count("pk"),
        gross=Sum("gross"),
        deductions=Sum("deductions"),
        tax=Sum("tax"),
        net=Sum("net"),
        employer_cost=Sum("employer_cost"),
    )
    paginator = Paginator(slips, RUN_PAGE_SIZE)
    paginator.count = totals["count"]  # counted with the totals: no second COUNT
    page = paginator.get_page(request.GET.get("page"))
    job = job_for_request(request, request.GET.get("job"))
    if job is not None and (job.kind != PAYROLL_COMPUTE or job.params.get("run") != run.pk):
        job = None
    context = {
        "run": run,
        "job": job,
        "page": page,
        "slips": page.object_list,
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
            # a job with its progress on the run's page (computed in the worker)
            if run.state == RunState.POSTED:
                raise RunPosted(_("The run is posted: it cannot be computed again"))
            job = job_start(
                PAYROLL_COMPUTE, company=run.company, user=request.user, params={"run": run.pk}
            )
            return redirect(reverse("hr:run_detail", args=[pk]) + f"?job={job.pk}")
        elif action == "post":
            services.payroll_run_post(run=run, user=request.user)
            messages.success(request, _("The payroll run is posted."))
        elif action == "pay":
            services.payroll_run_pay(run=run, user=request.user)
            messages.success(request, _("The payroll run is paid."))
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
    page.object_list = _with_decisions(request, page.object_list)
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


# -- performance: review cycles, goals, self and manager reviews -----------------------------


def _weighted(goals) -> object:
    """The goals' achievement weighted by their weights (goals without a figure left out)."""
    from decimal import ROUND_HALF_UP, Decimal

    scored = [g for g in goals if g.achievement is not None]
    weight = sum((g.weight for g in scored), Decimal(0))
    if not weight:
        return None
    total = sum((g.achievement * g.weight for g in scored), Decimal(0))
    return (total / weight).quantize(Decimal("0.1"), ROUND_HALF_UP)


@login_required
def review_cycles(request):
    """The review cycles; HR creates one and opens or closes it."""
    from .models import ReviewCycle

    if request.company is None:
        raise Http404
    is_hr = request_has_perm(request, "hr.change_reviewcycle")
    self_service = not is_hr and not request_has_perm(request, "hr.view_reviewcycle")
    if self_service and _own_employee(request) is None:
        raise Http404  # self-service: only for someone with an employee record
    if request.method == "POST":
        if not is_hr:
            raise Http404
        try:
            if request.POST.get("cycle"):
                cycle = get_object_or_404(
                    ReviewCycle, company=request.company, pk=request.POST["cycle"]
                )
                services.review_cycle_transition(cycle=cycle, state=request.POST.get("state"))
                messages.success(request, _("The review cycle is updated."))
            else:
                services.review_cycle_create(
                    company=request.company,
                    name=request.POST.get("name"),
                    start=request.POST.get("start"),
                    end=request.POST.get("end"),
                )
                messages.success(request, _("The review cycle is created."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("hr:review_cycles")
    cycles = ReviewCycle.objects.filter(company=request.company).annotate(
        goal_count=Count("goals", distinct=True), review_count=Count("reviews", distinct=True)
    )
    return render(request, "hr/review_cycles.html", {"cycles": cycles, "is_hr": is_hr})


def _cycle_rows(request, cycle, me, is_hr):
    """(employee, goals, weighted achievement, self review, manager review, may rate self,
    may rate as manager) for the employees the user may see in the cycle: HR everyone with
    goals or reviews, others themselves and the employees they review."""
    from .models import Goal, Review

    goals = list(Goal.objects.filter(cycle=cycle).select_related("employee"))
    reviews = list(Review.objects.filter(cycle=cycle).select_related("reviewer"))
    ids = {g.employee_id for g in goals} | {r.employee_id for r in reviews}
    if me is not None:
        ids.add(me.pk)
    employees = list(_company_rows(request, Employee).filter(pk__in=ids).order_by("number"))
    rows = []
    for employee in employees:
        approver = services.approver_for(employee, cycle.end)
        mine = me is not None and employee.pk == me.pk
        manages = me is not None and approver is not None and approver.pk == me.pk
        if not (is_hr or mine or manages):
            continue
        own_goals = [g for g in goals if g.employee_id == employee.pk]
        by_kind = {r.kind: r for r in reviews if r.employee_id == employee.pk}
        rows.append(
            {
                "employee": employee,
                "goals": own_goals,
                "score": _weighted(own_goals),
                "self": by_kind.get("self"),
                "manager": by_kind.get("manager"),
                "approver": approver,
                "may_self": mine and "self" not in by_kind,
                "may_manager": (manages or (is_hr and not mine)) and "manager" not in by_kind,
            }
        )
    return rows


@login_required
def review_cycle(request, pk):
    """One cycle: each visible employee's goals (weights, key results, achievement; a sales
    rep's from their CRM targets), the weighted achievement, the self and manager ratings, and
    the forms to rate (the employee their self review, the manager or HR the manager review)."""
    from .models import ReviewCycle

    if request.company is None:
        raise Http404
    cycle = get_object_or_404(ReviewCycle, company=request.company, pk=pk)
    is_hr = request_has_perm(request, "hr.change_review")
    me = _own_employee(request)
    rows = _cycle_rows(request, cycle, me, is_hr)
    if not rows and not is_hr:
        raise Http404
    context = {
        "cycle": cycle,
        "rows": rows,
        "is_hr": is_hr,
        "ratings": range(1, 6),
        "employees": _company_rows(request, Employee).filter(leave_date__isnull=True)
        if is_hr
        else [],
    }
    return render(request, "hr/review_cycle.html", context)


@login_required
@require_POST
def review_rate(request, pk):
    """Submit a self or manager review from the cycle page (the service decides who may)."""
    from .models import ReviewCycle

    if request.company is None:
        raise Http404
    cycle = get_object_or_404(ReviewCycle, company=request.company, pk=pk)
    employee = get_object_or_404(
        _company_rows(request, Employee), pk=request.POST.get("employee") or 0
    )
    try:
        rating = int(request.POST.get("rating") or 0)
    except ValueError:
        rating = 0
    try:
        services.review_submit(
            cycle=cycle,
            employee=employee,
            kind=request.POST.get("kind", ""),
            rating=rating,
            comment=request.POST.get("comment", ""),
            user=request.user,
            is_hr=request_has_perm(request, "hr.change_review"),
        )
        messages.success(request, _("The review is submitted."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("hr:review_cycle", pk=cycle.pk)


@login_required
@require_POST
def goal_add(request, pk):
    """HR adds a goal (with one key result) or a goal measured on the CRM sales targets."""
    from .models import ReviewCycle

    if request.company is None or not request_has_perm(request, "hr.add_goal"):
        raise Http404
    cycle = get_object_or_404(ReviewCycle, company=request.company, pk=pk)
    employee = get_object_or_404(
        _company_rows(request, Employee), pk=request.POST.get("employee") or 0
    )
    try:
        if request.POST.get("sales_target"):
            services.goal_sales_target(
                cycle=cycle, employee=employee, weight=request.POST.get("weight")
            )
        else:
            key_results = []
            if request.POST.get("kr_title"):
                key_results.append(
                    {
                        "title": request.POST.get("kr_title"),
                        "target": request.POST.get("kr_target"),
                        "actual": request.POST.get("kr_actual") or "0",
                    }
                )
            services.goal_create(
                cycle=cycle,
                employee=employee,
                title=request.POST.get("title"),
                weight=request.POST.get("weight"),
                key_results=key_results,
            )
        messages.success(request, _("The goal is added."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("hr:review_cycle", pk=cycle.pk)


# -- the team calendar ------------------------------------------------------------------------


def _month(text: str):
    import calendar as pycalendar
    from datetime import date

    from django.utils import timezone

    try:
        year, month = (int(p) for p in text.split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        first = timezone.localdate().replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    return first, last


@login_required
def leave_calendar(request):
    """Who is on leave when, a month per page, per department (with its sub-departments):
    approved leave and requests waiting for approval, on the company's working calendar
    (rest days and public holidays shaded). HR sees every department, others their own."""
    from datetime import timedelta

    from tandem.core.calendars import is_working_day
    from tandem.core.models.calendars import BusinessCalendar, default_week

    if request.company is None:
        raise Http404
    first, last = _month(request.GET.get("month", ""))
    is_hr = request_has_perm(request, "hr.view_leaverequest")
    departments = list(_company_rows(request, Department).order_by("name", "pk"))
    me = _own_employee(request)
    mine = None
    if me is not None:
        version = services.versions_on(request.company, last, [me]).first()
        mine = version.department_id if version else None
    allowed = departments if is_hr else [d for d in departments if d.pk == mine]
    if not allowed:
        raise Http404
    chosen = next(
        (d for d in allowed if str(d.pk) == request.GET.get("department")),
        None if is_hr else allowed[0],
    )
    ids = None
    if chosen is not None:  # the department and everything under it
        ids, frontier = {chosen.pk}, {chosen.pk}
        while frontier:
            frontier = {d.pk for d in departments if d.parent_id in frontier} - ids
            ids |= frontier
    versions = services.versions_on(request.company, last).select_related("employee")
    if ids is not None:
        versions = versions.filter(department_id__in=ids)
    employees = sorted(
        (
            v.employee
            for v in versions
            if v.employee.leave_date is None or v.employee.leave_date >= first
        ),
        key=lambda e: e.number,
    )
    leave = (
        LeaveRequest.objects.filter(
            company=request.company,
            employee__in=employees,
            state__in=[LeaveState.APPROVED, LeaveState.SUBMITTED],
            start__lte=last,
            end__gte=first,
        )
        .select_related("leave_type")
        .order_by("start")
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    company = request.company
    calendar = BusinessCalendar(
        company=company,
        name="default",
        country=company.country or "",
        time_zone=company.time_zone or "Asia/Shanghai",
        week=default_week(),
    )
    working = {day: is_working_day(calendar, day) for day in days}
    cells = {e.pk: {} for e in employees}
    for row in leave:
        for day in days:
            if row.start <= day <= row.end and working[day]:
                cells[row.employee_id][day] = row
    grid = [(e, [(day, working[day], cells[e.pk].get(day)) for day in days]) for e in employees]
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    context = {
        "first": first,
        "days": [(day, working[day]) for day in days],
        "grid": grid,
        "departments": allowed,
        "chosen": chosen,
        "is_hr": is_hr,
        "previous": f"{previous:%Y-%m}",
        "following": f"{following:%Y-%m}",
        "month": f"{first:%Y-%m}",
        "away": sum(1 for _e, row in grid if any(c for _d, _w, c in row)),
    }
    return render(request, "hr/leave_calendar.html", context)


# -- the bank file and the yearly tax summary -------------------------------------------------


def _csv(name: str, header: list[str], rows) -> object:
    import csv

    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # Excel opens UTF-8 (the names are Chinese) with the BOM
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@company_view("hr.view_payrollrun")
def run_bank_file(request, pk):
    """The run's bank file: each employee's net pay and bank details, as CSV."""
    run = get_object_or_404(_company_rows(request, PayrollRun), pk=pk)
    header, rows = services.bank_file(run)
    return _csv(f"salary-{run.period}.csv", header, rows)


@company_view("hr.view_payslip")
def tax_summary(request):
    """The yearly summary for the annual reconciliation (汇算), per employee: each posted
    month and the year (?year=YYYY, default this year), as CSV."""
    from django.utils import timezone

    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    keys = ["employee", "name", "period", "income", "annual_bonus", "social_insurance"]
    keys += ["housing_fund", "other_deductions", "tax", "bonus_tax", "net"]
    rows = services.tax_summary(company=request.company, year=year)
    return _csv(f"tax-summary-{year}.csv", keys, ([row[k] for k in keys] for row in rows))
