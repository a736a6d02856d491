"""The CRM's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root."""

from ninja import Router

from . import (
    activities,
    cadences,
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
    cadences,
    overview,
    performance,
    reports,
):
    router.add_router("", module.router)
