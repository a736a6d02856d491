"""The service app's REST endpoints (see API.md "Customer service"), mounted at /api/v1 by
tandem.api.root: tickets, their actions and messages, the service report (tickets.py); teams,
SLA policies, knowledge base and quality issues (config.py)."""

from ninja import Router

router = Router(tags=["service"])

from . import config, tickets  # noqa: E402, F401  (they register their routes on `router`)
