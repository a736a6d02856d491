"""Issue 14: the IDOR and role matrix.

Every API operation (from the OpenAPI document) and every page (from the URL conf) is asked
once by each actor: anonymous, a user of another company, and one user per built-in role of
company A. What each may do is decided by the tables below (`API`, `PAGES`: a permission per
path prefix); a new endpoint or page whose prefix has no decision fails the test with the list
of undecided paths.

What a request can tell, kept to one request per (endpoint, actor):
- reads (GET): a role with the permission never gets 401/403; one without it gets 403 (422
  only where ninja refused a required query parameter before the view could check);
- writes are sent with an empty JSON body: anonymous gets 401, the other company's user 403
  (it names company A) or 404 (its own company, A's ids), and a role without the permission
  403, or 422 when ninja refused the empty body before the view could check (the body is
  parsed before the view runs); a role with the permission never gets 401/403;
- pages: anonymous is sent to the login page, the other company's user never sees A's
  rows (404/403 on an id of A), and a role with no permission at all in the page's app is
  refused.
"""

import os
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLResolver, get_resolver

from tandem.core.roles import ROLES
from tandem.core.services import membership_grant, user_permissions
from tests.conftest import ApiClient
from tests.factories import UserFactory

# -- the decisions ---------------------------------------------------------------------------

# API path prefix (first segment) -> the model whose permissions decide: reads need view_<model>,
# writes any of add/change/delete_<model>. ANY_MEMBER: every member of the company may.
ANY_MEMBER = "any member"
API = {
    "accounts": "accounting.account",
    "activities": "crm.activity",
    "business-calendar": "sales.businesscalendar",
    "cadences": "crm.cadence",
    # sending also needs the document's own permission (services.documents.sendable)
    "document-emails": "crm.interaction",
    "document-email-templates": "crm.crmsettings",
    "category-accounts": "accounting.categoryaccounts",
    "companies": ANY_MEMBER,
    "currencies": ANY_MEMBER,
    "entries": "accounting.entry",
    "events": ANY_MEMBER,
    "exchange-rates": "core.exchangerate",
    "exports": ANY_MEMBER,
    "fiscal-years": "accounting.fiscalyear",
    "fx-revaluations": "accounting.entry",
    "imports": ANY_MEMBER,
    "interactions": "crm.interaction",
    "inventory-counts": "inventory.inventorycount",
    "invoices": "accounting.invoice",
    "jobs": ANY_MEMBER,
    "journals": "accounting.journal",
    "leads": "crm.lead",
    "locations": "inventory.location",
    "lost-reasons": "crm.lostreason",
    "mail-in": "crm.crmsettings",
    "me": ANY_MEMBER,
    "opportunities": "crm.opportunity",
    "order-exceptions": "sales.orderexception",
    "parties": "parties.party",
    "party-tags": "parties.tag",
    "party-tax-rules": "accounting.partytaxrule",
    "payment-terms": "parties.paymentterm",
    "payments": "accounting.payment",
    "periods": "accounting.period",
    "pipeline-stages": "crm.pipelinestage",
    "price-lists": "catalog.pricelist",
    "product-categories": "catalog.productcategory",
    "products": "catalog.product",
    "purchase-orders": "purchasing.purchaseorder",
    "reorder-rules": "purchasing.reorderrule",
    "replenishment": "purchasing.reorderrule",
    "reports": "reports",  # per report, see REPORTS
    "returns": "sales.salesreturn",
    "sales-orders": "sales.salesorder",
    "sales-targets": "crm.salestarget",
    "sales-teams": "crm.salesteam",
    "sla-policies": "sales.slapolicy",
    "stock": "inventory.stockmove",
    "supplier-prices": "purchasing.supplierprice",
    "taxes": "accounting.tax",
    "transfers": "inventory.transfer",
    "uom-categories": "catalog.uomcategory",
    "uoms": "catalog.uom",
    "users": "core.user",
    "warehouses": "inventory.warehouse",
    "webhook-deliveries": "core.manage_webhooks",
    "webhooks": "core.manage_webhooks",
    # manufacturing: the production role works it, every other role but HR may read it
    "work-centers": "manufacturing.workcenter",
    "boms": "manufacturing.bom",
    "manufacturing-orders": "manufacturing.manufacturingorder",
    "mrp": "manufacturing.plannedorder",
    # marketing
    "segments": "marketing.segment",
    "consents": "marketing.manage_consents",
    "automations": "marketing.automation",
    "email-templates": "marketing.emailtemplate",
    "campaigns": "marketing.campaign",
    # customer service
    "tickets": "service.ticket",
    "service-teams": "service.serviceteam",
    "ticket-sla-policies": "service.slapolicy",
    "kb-articles": "service.kbarticle",
    "quality-issues": "service.qualityissue",
    # decisions: every role reads them, training is the analysts' (owner, admin)
    "analytics": "analytics.modelrun",
    "quality-checks": "manufacturing.qualitycheck",
    "quality-points": "manufacturing.qualitypoint",
    "quality-alerts": "manufacturing.qualityalert",
    "lots": "manufacturing.manufacturingorder",
    # HR: the HR role only (and owners and admins)
    "departments": "hr.department",
    "positions": "hr.position",
    "employees": "hr.employee",
    "leave-*": "hr.leaverequest",
    "attendance": "hr.attendance",
    "salary-structures": "hr.salarystructure",
    "payroll-runs": "hr.payrollrun",
    "payroll-inputs": "hr.payrollrun",
    "payslips": ANY_MEMBER,  # self-service: an employee lists its own payslips only
    # contracts, ID copies, certificates: HR only (the employee downloads its own on /hr/me/)
    "employee-documents": "hr.employeedocument",
    "review-cycles": "hr.reviewcycle",
    "reviews": "hr.review",
    "goals": "hr.goal",
}
# Paths decided apart from their prefix.
PATHS = {
    "/api/v1/parties/{party_id}/overview": "crm.opportunity",  # the customer 360 is CRM's
    **{
        f"/api/v1/employees/{{employee_id}}/documents{tail}": "hr.employeedocument"
        for tail in ("", "/{document_id}", "/{document_id}/file")
    },
    # HR self-service: every member lists its own leave, attendance, goals and reviews (and
    # a manager those of its team); the rows are scoped in hr's API, tested in tests/hr
    **{
        f"/api/v1/{name}": ANY_MEMBER
        for name in (
            "attendance",
            "goals",
            "leave-requests",
            "leave-types",
            "review-cycles",
            "reviews",
        )
    },
}
# POSTs that only read (a body too rich for a query string): a view permission decides
READ_POSTS = {"/api/v1/segments/preview"}
REPORTS = {
    "service": "service.ticket",
    "sales-performance": "crm.opportunity",
    "order-fulfilment": "sales.salesorder",
    "stock": "inventory.stockmove",
}
REPORT_DEFAULT = "accounting.entry"

# Page prefix (first segment) -> the app whose permissions decide (some view permission in it).
PUBLIC_PAGES = {"login", "logout", "i18n", "language", "static", "healthz", "ready"}
# Page routes decided apart from their prefix: HR's self-service pages
PAGE_ROUTES = {
    "/hr/attendance/": ANY_MEMBER,
    "/hr/leave/": ANY_MEMBER,
    # an employee's own reviews and its department's leave calendar (404 without a record)
    "/hr/reviews/": ANY_MEMBER,
    "/hr/leave/calendar/": ANY_MEMBER,
    # the member's own employee page (404 without an employee record in the company)
    "/hr/me/": ANY_MEMBER,
    # employee documents: HR uploads and deletes; a download is HR's or the employee's own
    # (404 for anyone else)
    "/hr/employees/<int:pk>/documents/": "hr",
    "/hr/employees/<int:pk>/documents/<int:document_pk>/delete/": "hr",
    "/hr/documents/<int:pk>/": "hr",
}
PAGES = {
    "": ANY_MEMBER,
    "settings": ANY_MEMBER,
    "profile": ANY_MEMBER,
    "jobs": ANY_MEMBER,
    "imports": ANY_MEMBER,
    "search": ANY_MEMBER,
    "password": ANY_MEMBER,
    "areas": ANY_MEMBER,
    "company": ANY_MEMBER,
    "pick": ANY_MEMBER,  # the pickers list only what the caller's company holds
    "accounting": "accounting",
    "inventory": "inventory",
    "purchasing": "purchasing",
    "sales": "sales",
    "crm": "crm",
    "manufacturing": "manufacturing",
    "hr": "hr",
    "marketing": "marketing",
    "service": "service",
    "analytics": "analytics",
    "catalog": "catalog",
    "parties": "parties",
}


def _api_prefix(path: str) -> str | None:
    first = path.removeprefix("/api/v1/").split("/")[0]
    if first in API:
        return first
    wild = [p for p in API if p.endswith("*") and first.startswith(p[:-1])]
    return wild[0] if wild else None


def _perm_of(path: str) -> str:
    if path in PATHS:
        return PATHS[path]
    prefix = _api_prefix(path)
    decision = API[prefix]
    if decision == "reports":
        name = path.removeprefix("/api/v1/reports/").split("/")[0]
        return REPORTS.get(name, REPORT_DEFAULT)
    return decision


def _allows(perms: frozenset, decision: str, method: str) -> bool:
    if decision == ANY_MEMBER:
        return True
    app, name = decision.split(".")
    if name.startswith("manage_"):
        return decision in perms
    if method == "get":
        return f"{app}.view_{name}" in perms
    return any(f"{app}.{action}_{name}" in perms for action in ("add", "change", "delete"))


# -- the endpoints -----------------------------------------------------------------------------


def api_operations() -> list[tuple[str, str]]:
    from tandem.api.root import api

    schema = api.get_openapi_schema()
    return sorted(
        (path, method)
        for path, ops in schema["paths"].items()
        for method in ops
        if method in ("get", "post", "patch", "put", "delete")
    )


def _routes(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def pages() -> list[str]:
    found = set()
    for route in _routes(get_resolver()):
        if route.startswith(("admin", "api/", "^")):
            continue
        found.add("/" + route)
    return sorted(found)


def _page_prefix(route: str) -> str:
    return route.strip("/").split("/")[0] if route != "/" else ""


def test_every_endpoint_and_page_has_a_decision():
    undecided = sorted({p for p, _m in api_operations() if _api_prefix(p) is None})
    undecided_pages = sorted(
        {r for r in pages() if _page_prefix(r) not in PAGES and _page_prefix(r) not in PUBLIC_PAGES}
    )
    assert not undecided, (
        "API paths without a decision in test_roles_matrix.API (add the prefix and the "
        f"permission that decides it): {undecided}"
    )
    assert not undecided_pages, (
        f"Pages without a decision in test_roles_matrix.PAGES: {undecided_pages}"
    )


# -- the actors and company A's rows ---------------------------------------------------------------


@pytest.fixture
def rows(company, owner):
    """One row of each model the tables name, in company A, by model label."""
    from tests.core.test_roles_split import member  # noqa: F401  (same helpers)

    found = {}
    for decision in {*API.values(), *REPORTS.values()}:
        if "." not in decision or ".manage_" in decision:
            continue
        app, name = decision.split(".")
        try:
            model = apps.get_model(app, name)
        except LookupError:
            continue
        if any(f.name == "company" for f in model._meta.fields):
            row = model.objects.filter(company=company).order_by("pk").first()
            if row is not None:
                found[decision] = row.pk
    return found


def _url(path: str, rows: dict) -> str:
    decision = _perm_of(path) if _api_prefix(path) else ""
    pk = rows.get(decision, 1)
    return re.sub(r"\{[^}]+\}", str(pk), path.removeprefix("/api/v1"))


# The roles whose limits the issue is about run always; with TANDEM_MATRIX=full every built-in
# role does (each actor costs about 30 s of CPU on a small machine).
CORE_ACTORS = ["anonymous", "outsider", "sales", "purchasing", "hr"]
ACTORS = [*CORE_ACTORS, *(r for r in ROLES if r not in CORE_ACTORS)]
if os.environ.get("TANDEM_MATRIX") != "full":
    ACTORS = CORE_ACTORS


@pytest.fixture
def actor(request, company, other_company, owner):
    name = request.param
    if name == "anonymous":
        return name, None, frozenset()
    if name == "outsider":
        user = UserFactory(username="outsider")
        membership_grant(user=user, company=other_company, roles=["owner"])
        return name, user, frozenset()
    user = UserFactory(username=f"role-{name}")
    membership_grant(user=user, company=company, roles=[name])
    return name, user, user_permissions(user, company)


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_api_matrix(actor, company, rows):
    name, user, perms = actor
    wrong = []
    anonymous = Client()
    client = ApiClient(user, company) if user is not None and name != "outsider" else None
    if name == "outsider":
        client = ApiClient(user, company)  # names company A: refused at the door
        own = ApiClient(user)  # acts in its own company with A's ids
    for path, method in api_operations():
        if _api_prefix(path) is None or (path.startswith("/api/v1/me/") and method != "get"):
            continue  # undecided (the first test lists them); /me/: the caller's own tokens
        url = _url(path, rows)
        as_method = "get" if path in READ_POSTS else method
        allowed = name not in ("anonymous", "outsider") and _allows(
            perms, _perm_of(path), as_method
        )
        if allowed and method != "get":
            continue  # an allowed write would do real work; its refusals are judged below
        if name == "anonymous":
            answer = (
                getattr(anonymous, method)("/api/v1" + url, "{}", content_type="application/json")
                if method != "get"
                else anonymous.get("/api/v1" + url)
            )
            if answer.status_code != 401 and not path.startswith(("/api/v1/mail-in",)):
                wrong.append((method, path, answer.status_code, "expected 401"))
            continue
        call = getattr(client, method)
        answer = call(url) if method in ("get", "delete") else call(url, {})
        status = answer.status_code
        if status >= 500:
            wrong.append((method, path, status, "server error"))
            continue
        if name == "outsider":
            if status != 403:
                wrong.append((method, path, status, "expected 403 for company A"))
            if "{" in path and method == "get":
                status_own = own.get(url).status_code
                if status_own not in (403, 404):
                    wrong.append((method, path, status_own, "A's id from company B"))
            continue
        if allowed and status in (401, 403):
            wrong.append((method, path, status, f"{name} should be allowed"))
        elif not allowed and status not in (403, 404, 422):
            wrong.append((method, path, status, f"{name} should be refused"))
    assert not wrong, "\n".join(map(str, wrong))


def _page_url(route: str) -> str | None:
    url = re.sub(r"<int:\w+>", "1", route)
    url = re.sub(r"<slug:kind_slug>", "customer-invoices", url)
    if "<" in url:
        return None
    return url


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_page_matrix(actor, company):
    name, user, perms = actor
    client = Client()
    if user is not None:
        client.force_login(user)
    wrong = []
    for route in pages():
        prefix = _page_prefix(route)
        url = _page_url(route)
        if url is None or prefix in PUBLIC_PAGES or prefix not in PAGES:
            continue
        status = client.get(url).status_code
        if status >= 500:
            wrong.append((route, status, "server error"))
        elif name == "anonymous":
            if status not in (302, 401, 403, 404, 405):
                wrong.append((route, status, "anonymous should be sent to log in"))
        elif name == "outsider":
            if "<int:" in route and status == 200:
                wrong.append((route, status, "company B's user sees an id of A"))
        else:
            app = PAGE_ROUTES.get(route, PAGES[prefix])
            has_app = app == ANY_MEMBER or any(p.startswith(app + ".") for p in perms)
            if not has_app and status == 200:
                wrong.append((route, status, f"{name} has no permission in {app}"))
    assert not wrong, "\n".join(map(str, wrong))
