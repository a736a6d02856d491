"""The hr app's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root."""

from ninja import Router

router = Router()
