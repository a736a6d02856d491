"""The hr app's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root:
organisation and employees (org.py), salary structures, payroll runs and payslips
(payroll.py)."""

from ninja import Router

router = Router(tags=["hr"])

from . import documents, leave, org, payroll, performance  # noqa: E402, F401  (they register their routes on `router`)
