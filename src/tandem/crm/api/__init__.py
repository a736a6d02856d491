"""The CRM's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root."""

from ninja import Router

from . import (
    activities,
    cadences,
    documents,
    email,
    leads,
    opportunities,
    overview,
    performance,
    pipeline,
    reports,
)

router = Router()
for module in (
    leads,
    opportunities,
    pipeline,
    activities,
    email,
    documents,
    cadences,
    overview,
    performance,
    reports,
):
    router.add_router("", module.router)
