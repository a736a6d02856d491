"""Purchasing's background jobs (see tandem.core.jobs)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.errors import InvalidReference
from tandem.core.jobs import job_kind
from tandem.inventory.models import Warehouse

from . import services

REPLENISHMENT = "purchasing.replenishment"


@job_kind(REPLENISHMENT, label=_("Replenishment run"), resumable=True)
def replenishment(ctx, warehouse: int | None = None) -> dict:
    """One replenishment run. It is one transaction (all drafts or none), so progress moves
    from 0 to 1 of 1 when it commits, and a worker killed mid-run leaves nothing: running it
    again is safe (a second run updates the drafts the first made), hence resumable."""
    ctx.set_total(1)
    wh = None
    if warehouse is not None:
        wh = Warehouse.objects.filter(company=ctx.company, pk=warehouse).first()
        if wh is None:  # deleted between the start and the run: never widen to every warehouse
            raise InvalidReference(f"warehouse: no such record with id {warehouse}")
    ctx.check_cancel()
    orders, suggestions = services.replenishment_run(
        company=ctx.company, warehouse=wh, user=ctx.user
    )
    ctx.step()
    return {
        "orders": [o.pk for o in orders],
        "count": len(orders),
        "suggestions": len(suggestions),
        "links": [
            {"label": str(o), "url": reverse("purchasing:order_detail", args=[o.pk])}
            for o in orders
        ],
    }
