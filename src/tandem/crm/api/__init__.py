"""The CRM's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root."""

from ninja import Router

from . import activities, leads, opportunities, pipeline, reports

router = Router()
for module in (leads, opportunities, pipeline, activities, reports):
    router.add_router("", module.router)
