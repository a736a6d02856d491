"""The manual demand forecast MRP plans for (per product and period)."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from tandem.catalog.models import ProductType
from tandem.core.errors import Conflict, ValidationFailed

from ..models import DemandForecast

ZERO = Decimal(0)


def _check(*, product, date_from, date_to, quantity) -> None:
    if product.type == ProductType.SERVICE:
        raise ValidationFailed(
            _("A service is not planned by MRP."), code="mrp.forecast_service", field="product"
        )
    if date_to < date_from:
        raise ValidationFailed(
            _("The period ends before it starts."), code="mrp.forecast_dates", field="date_to"
        )
    if quantity is None or quantity < 0:
        raise ValidationFailed(
            _("The quantity may not be negative."), code="mrp.forecast_quantity", field="quantity"
        )


@transaction.atomic
def forecast_create(*, company, product, date_from, date_to, quantity, note="") -> DemandForecast:
    quantity = Decimal(str(quantity)).quantize(Decimal("0.000001"))
    _check(product=product, date_from=date_from, date_to=date_to, quantity=quantity)
    if DemandForecast.objects.filter(
        company=company, product=product, date_from=date_from
    ).exists():
        raise Conflict(
            _("This product has a forecast for this period already."), code="mrp.forecast_exists"
        )
    return DemandForecast.objects.create(
        company=company,
        product=product,
        date_from=date_from,
        date_to=date_to,
        quantity=quantity,
        note=note,
    )


@transaction.atomic
def forecast_update(*, forecast: DemandForecast, **changes) -> DemandForecast:
    locked = (
        DemandForecast.objects.select_for_update().select_related("product").get(pk=forecast.pk)
    )
    for name in ("date_to", "quantity", "note"):
        if changes.get(name) is not None:
            setattr(locked, name, changes[name])
    _check(
        product=locked.product,
        date_from=locked.date_from,
        date_to=locked.date_to,
        quantity=Decimal(str(locked.quantity)),
    )
    locked.quantity = Decimal(str(locked.quantity)).quantize(Decimal("0.000001"))
    locked.save()
    return locked


@transaction.atomic
def forecast_delete(*, forecast: DemandForecast) -> None:
    forecast.delete()
