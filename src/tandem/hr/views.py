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
    Department,
    Employee,
    EmployeeVersion,
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
    context = {"employee": employee, "versions": employee.versions.all(), "slips": slips}
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
