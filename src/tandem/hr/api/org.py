"""/departments, /positions, /employees (with their dated versions)."""

from django.db.models import Prefetch, Q
from django.utils import timezone
from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.core.models import User

from .. import services
from ..models import Department, Employee, EmployeeVersion, Position
from ..schemas import (
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    EmployeeIn,
    EmployeeOut,
    EmployeePatch,
    PositionIn,
    PositionOut,
    VersionIn,
    VersionOut,
)
from . import router

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=r"^[^\x00]*$")


def _version_refs(request, data: dict) -> dict:
    from tandem.core.models.calendars import BusinessCalendar

    for field, model in (
        ("department", Department),
        ("position", Position),
        ("manager", Employee),
        ("calendar", BusinessCalendar),
    ):
        data[field] = get_ref(model, request, data.get(field), field=f"version.{field}")
    return data


# -- departments and positions -------------------------------------------------------------


@router.get("/departments", response=page_of(DepartmentOut))
def department_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    """Every department with its parent (the tree) and manager."""
    require_perm(request, "hr.view_department")
    qs = Department.objects.filter(company=company_of(request))
    if search.strip():
        qs = qs.filter(name__icontains=search.strip())
    return paginate(qs.order_by("name", "pk"), limit=limit, offset=offset)


@router.get("/departments/{department_id}", response=DepartmentOut)
def department_read(request, department_id: int):
    require_perm(request, "hr.view_department")
    return get_scoped(Department, request, department_id, label="department")


@router.post("/departments", response={201: DepartmentOut})
def department_add(request, payload: DepartmentIn):
    require_perm(request, "hr.add_department")
    department = services.department_create(
        company=company_of(request),
        name=payload.name,
        parent=get_ref(Department, request, payload.parent, field="parent"),
        manager=get_ref(Employee, request, payload.manager, field="manager"),
    )
    return Status(201, department)


@router.patch("/departments/{department_id}", response=DepartmentOut)
def department_patch(request, department_id: int, payload: DepartmentPatch):
    require_perm(request, "hr.change_department")
    department = get_scoped(Department, request, department_id, label="department")
    changes = payload.dict(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = get_ref(Department, request, changes["parent"], field="parent")
    if "manager" in changes:
        changes["manager"] = get_ref(Employee, request, changes["manager"], field="manager")
    return services.department_update(department=department, **changes)


@router.get("/positions", response=page_of(PositionOut))
def position_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "hr.view_position")
    qs = Position.objects.filter(company=company_of(request)).order_by("name", "pk")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/positions", response={201: PositionOut})
def position_add(request, payload: PositionIn):
    require_perm(request, "hr.add_position")
    return Status(201, services.position_create(company=company_of(request), name=payload.name))


# -- employees -----------------------------------------------------------------------------


def _employees(request):
    return Employee.objects.filter(company=company_of(request)).prefetch_related(
        Prefetch("versions", queryset=EmployeeVersion.objects.order_by("effective_from"))
    )


def _current(employee: Employee) -> Employee:
    """department, position and manager from the version valid today (else the latest)."""
    today = timezone.localdate()
    versions = list(employee.versions.all())
    current = next(
        (
            v
            for v in reversed(versions)
            if v.effective_from <= today and (v.effective_to is None or v.effective_to >= today)
        ),
        versions[-1] if versions else None,
    )
    employee.department = current.department_id if current else None
    employee.position = current.position_id if current else None
    employee.manager = current.manager_id if current else None
    return employee


@router.get("/employees", response=page_of(EmployeeOut))
def employee_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    require_perm(request, "hr.view_employee")
    qs = _employees(request)
    search = search.strip()
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(name__icontains=search))
    page = paginate(qs.order_by("number", "pk"), limit=limit, offset=offset)
    page["items"] = [_current(e) for e in page["items"]]
    return page


@router.get("/employees/{employee_id}", response=EmployeeOut)
def employee_read(request, employee_id: int):
    require_perm(request, "hr.view_employee")
    return _current(get_scoped(_employees(request), request, employee_id, label="employee"))


@router.post("/employees", response={201: EmployeeOut})
def employee_add(request, payload: EmployeeIn):
    require_perm(request, "hr.add_employee")
    company = company_of(request)
    data = payload.dict()
    user = None
    if data["user"] is not None:
        user = User.objects.filter(pk=data["user"], memberships__company=company).first()
        if user is None:
            from tandem.core.errors import InvalidReference

            raise InvalidReference(f"user: no member with id {data['user']}", field="user")
    version = data.pop("version")
    if version is not None:
        version = _version_refs(request, version)
        if version.get("effective_from") is None:
            version.pop("effective_from")
    employee = services.employee_create(
        company=company,
        number=data["number"],
        name=data["name"],
        hire_date=data["hire_date"],
        leave_date=data["leave_date"],
        email=data["email"],
        user=user,
        version=version,
    )
    return Status(201, employee_read(request, employee.pk))


@router.patch("/employees/{employee_id}", response=EmployeeOut)
def employee_patch(request, employee_id: int, payload: EmployeePatch):
    require_perm(request, "hr.change_employee")
    employee = get_scoped(Employee, request, employee_id, label="employee")
    services.employee_update(employee=employee, **payload.dict(exclude_unset=True))
    return employee_read(request, employee_id)


@router.post("/employees/{employee_id}/versions", response={201: VersionOut})
def employee_version_add(request, employee_id: int, payload: VersionIn):
    """A new dated version; an overlap with another answers 409 `employee_version.overlap`."""
    require_perm(request, "hr.add_employeeversion")
    employee = get_scoped(Employee, request, employee_id, label="employee")
    data = _version_refs(request, payload.dict())
    version = services.employee_version_create(employee=employee, **data)
    return Status(201, version)
