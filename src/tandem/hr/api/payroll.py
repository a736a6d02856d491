"""/salary-structures, /payroll-runs (compute, post), /payroll-inputs, /payslips."""

from django.db.models import Prefetch
from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.api.jobs import JobOut
from tandem.core.errors import NotFound
from tandem.core.jobs import job_start
from tandem.core.services import user_permissions

from .. import services
from ..jobs import PAYROLL_COMPUTE
from ..models import (
    Employee,
    PayrollInput,
    PayrollRun,
    Payslip,
    PayslipLine,
    SalaryRule,
    SalaryStructure,
)
from ..schemas import (
    InputIn,
    InputOut,
    PayslipOut,
    RunIn,
    RunOut,
    StructureIn,
    StructureOut,
    StructurePatch,
)
from . import router
from .org import LIMIT, OFFSET

ID = Query(None, ge=1, le=2**63 - 1)


def _structures(request):
    return SalaryStructure.objects.filter(company=company_of(request)).prefetch_related(
        Prefetch("rules", queryset=SalaryRule.objects.order_by("sequence"))
    )


@router.get("/salary-structures", response=page_of(StructureOut))
def structure_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "hr.view_salarystructure")
    return paginate(_structures(request).order_by("code"), limit=limit, offset=offset)


@router.get("/salary-structures/{structure_id}", response=StructureOut)
def structure_read(request, structure_id: int):
    require_perm(request, "hr.view_salarystructure")
    return get_scoped(_structures(request), request, structure_id, label="salary_structure")


@router.post("/salary-structures", response={201: StructureOut})
def structure_add(request, payload: StructureIn):
    """Rules in order; a formula that does not parse or names something unknown answers 422
    `salary_rule.invalid` with `extra.rule` and `extra.position`."""
    require_perm(request, "hr.add_salarystructure")
    data = payload.dict()
    structure = services.salary_structure_create(company=company_of(request), **data)
    return Status(201, structure_read(request, structure.pk))


@router.patch("/salary-structures/{structure_id}", response=StructureOut)
def structure_patch(request, structure_id: int, payload: StructurePatch):
    require_perm(request, "hr.change_salarystructure")
    structure = get_scoped(SalaryStructure, request, structure_id, label="salary_structure")
    services.salary_structure_update(structure=structure, **payload.dict(exclude_unset=True))
    return structure_read(request, structure_id)


# -- runs ----------------------------------------------------------------------------------


@router.get("/payroll-runs", response=page_of(RunOut))
def run_list(request, limit: int = LIMIT, offset: int = OFFSET, period: str = "", state: str = ""):
    require_perm(request, "hr.view_payrollrun")
    qs = PayrollRun.objects.filter(company=company_of(request))
    if period:
        qs = qs.filter(period=period)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-period", "-pk"), limit=limit, offset=offset)


@router.get("/payroll-runs/{run_id}", response=RunOut)
def run_read(request, run_id: int):
    require_perm(request, "hr.view_payrollrun")
    return get_scoped(PayrollRun, request, run_id, label="payroll_run")


@router.post("/payroll-runs", response={201: RunOut})
def run_add(request, payload: RunIn):
    require_perm(request, "hr.add_payrollrun")
    structure = get_ref(SalaryStructure, request, payload.structure, field="structure")
    run = services.payroll_run_create(
        company=company_of(request), period=payload.period, structure=structure
    )
    return Status(201, run)


@router.post("/payroll-runs/{run_id}/compute", response={200: RunOut, 202: JobOut})
def run_compute(request, run_id: int, run_async: bool = Query(False, alias="async")):
    """Compute (again) every payslip; with `?async=true` a job: 202 with the job (poll
    `GET /jobs/{id}`). A posted run answers 409 `payroll_run.posted`."""
    require_perm(request, "hr.change_payrollrun")
    run = get_scoped(PayrollRun, request, run_id, label="payroll_run")
    if run_async:
        if run.state == "posted":
            from ..errors import RunPosted

            raise RunPosted("The run is posted: it cannot be computed again")
        job = job_start(
            PAYROLL_COMPUTE, company=run.company, user=request.user, params={"run": run.pk}
        )
        return Status(202, job)
    return services.payroll_run_compute(run=run, user=request.user)


@router.post("/payroll-runs/{run_id}/post", response=RunOut)
def run_post(request, run_id: int):
    """One balanced entry; twice answers 409 `payroll_run.posted`."""
    require_perm(request, "hr.change_payrollrun")
    run = get_scoped(PayrollRun, request, run_id, label="payroll_run")
    return services.payroll_run_post(run=run, user=request.user)


@router.post("/payroll-inputs", response={200: InputOut | None})
def input_set(request, payload: InputIn):
    """Set an employee's input for a period (0 clears it)."""
    require_perm(request, "hr.change_payrollrun")
    employee = get_ref(Employee, request, payload.employee, field="employee")
    return services.payroll_input_set(
        company=company_of(request),
        employee=employee,
        period=payload.period,
        kind=payload.kind,
        amount=payload.amount,
        note=payload.note,
    )


@router.get("/payroll-inputs", response=page_of(InputOut))
def input_list(request, limit: int = LIMIT, offset: int = OFFSET, period: str = ""):
    require_perm(request, "hr.view_payrollrun")
    qs = PayrollInput.objects.filter(company=company_of(request))
    if period:
        qs = qs.filter(period=period)
    return paginate(qs.order_by("period", "employee_id", "kind"), limit=limit, offset=offset)


# -- payslips: HR sees all, an employee only their own -------------------------------------


def visible_payslips(request):
    """HR (hr.view_payslip) sees the company's payslips; anyone else only their own."""
    company = company_of(request)
    qs = Payslip.objects.filter(company=company).prefetch_related(
        Prefetch("lines", queryset=PayslipLine.objects.order_by("sequence"))
    )
    if "hr.view_payslip" in user_permissions(request.user, company):
        return qs
    return qs.filter(employee__user=request.user)


@router.get("/payslips", response=page_of(PayslipOut))
def payslip_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    run: int | None = ID,
    employee: int | None = ID,
    period: str = "",
):
    qs = visible_payslips(request)
    if run is not None:
        qs = qs.filter(run_id=run)
    if employee is not None:
        qs = qs.filter(employee_id=employee)
    if period:
        qs = qs.filter(period=period)
    return paginate(qs.order_by("-period", "employee__number", "pk"), limit=limit, offset=offset)


@router.get("/payslips/{payslip_id}", response=PayslipOut)
def payslip_read(request, payslip_id: int):
    """404 for a payslip the caller may not see (another employee's, without the HR role)."""
    slip = visible_payslips(request).filter(pk=payslip_id).first()
    if slip is None:
        raise NotFound(f"No payslip with id {payslip_id}", code="payslip.not_found")
    return slip
