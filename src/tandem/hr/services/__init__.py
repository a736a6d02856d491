"""HR services: the only code that changes HR state. Organisation and versions (org.py),
salary structures (structures.py), payroll runs (payroll.py), the PRC pack read (pack.py)."""

from .org import (
    department_create,
    department_update,
    employee_create,
    employee_update,
    employee_version_create,
    position_create,
    versions_on,
)
from .pack import prc_pack_ensure
from .payroll import (
    payroll_input_set,
    payroll_run_compute,
    payroll_run_create,
    payroll_run_post,
    period_bounds,
    posting_amounts,
)
from .structures import (
    salary_structure_create,
    salary_structure_install_generic,
    salary_structure_install_prc,
    salary_structure_update,
)

__all__ = [
    "department_create",
    "department_update",
    "employee_create",
    "employee_update",
    "employee_version_create",
    "payroll_input_set",
    "payroll_run_compute",
    "payroll_run_create",
    "payroll_run_post",
    "period_bounds",
    "position_create",
    "prc_pack_ensure",
    "posting_amounts",
    "salary_structure_create",
    "salary_structure_install_generic",
    "salary_structure_install_prc",
    "salary_structure_update",
    "versions_on",
]
