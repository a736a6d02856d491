"""The marketing app's REST endpoints (see API.md "Wave 2 resources"), mounted at /api/v1 by
tandem.api.root."""

from ninja import Router

router = Router(tags=["marketing"])

from . import endpoints  # noqa: E402, F401  (registers the routes on `router`)
