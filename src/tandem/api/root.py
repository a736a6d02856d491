"""The ninja root: one API at /api/v1 that mounts each app's router."""

from ninja import NinjaAPI

from tandem.accounting.api import router as accounting_router
from tandem.analytics.api import router as analytics_router
from tandem.catalog.api import router as catalog_router
from tandem.core.api import router as core_router
from tandem.crm.api import router as crm_router
from tandem.hr.api import router as hr_router
from tandem.inventory.api import router as inventory_router
from tandem.manufacturing.api import router as manufacturing_router
from tandem.marketing.api import router as marketing_router
from tandem.parties.api import router as parties_router
from tandem.purchasing.api import router as purchasing_router
from tandem.sales.api import router as sales_router
from tandem.service.api import router as service_router

from . import errors
from .auth import SessionAuth, TokenAuth
from .imports import router as imports_router
from .jobs import router as jobs_router
from .parser import ObjectBodyParser
from .webhooks import router as webhooks_router

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description="Tandem CRM + ERP. Authenticate with `Authorization: Bearer <token>`; "
    "choose the company with `X-Company: <code>`.",
    auth=[TokenAuth(), SessionAuth()],
    parser=ObjectBodyParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

api.add_router("/", core_router)
api.add_router("/", webhooks_router)
api.add_router("/", parties_router)
api.add_router("/", catalog_router)
api.add_router("/", accounting_router)
api.add_router("/", inventory_router)
api.add_router("/", purchasing_router)
api.add_router("/", sales_router)
api.add_router("/", manufacturing_router)
api.add_router("/", crm_router)
api.add_router("/", marketing_router)
api.add_router("/", service_router)
api.add_router("/", hr_router)
api.add_router("/", analytics_router)
api.add_router("/", jobs_router)
api.add_router("/", imports_router)
