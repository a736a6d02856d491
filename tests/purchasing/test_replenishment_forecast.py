"""Replenishment reads inventory's forecast: stock only on its way counts."""

from decimal import Decimal

import pytest

from tandem.inventory.models import StockLevel
from tandem.inventory.services import transfer_create
from tandem.purchasing import queries, services

D = Decimal
pytestmark = pytest.mark.django_db


def test_purchasing_has_no_forecast_copy():
    assert not hasattr(queries, "forecast")


def test_incoming_move_of_a_product_with_no_level_row_counts_in_the_forecast(
    company, warehouse, widget, supplier
):
    services.supplier_price_create(
        company=company, supplier=supplier, product=widget, price="8.00", lead_time_days=5
    )
    transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        party=supplier,
        moves=[{"product": widget, "quantity": "7", "unit_cost": "8"}],
        confirm=True,
    )
    StockLevel.objects.filter(product=widget).delete()
    services.reorder_rule_create(
        company=company,
        product=widget,
        warehouse=warehouse,
        min_quantity="10",
        max_quantity="20",
        multiple="1",
    )

    (suggestion,) = services.replenishment_suggestions(company=company)

    assert (suggestion.available, suggestion.incoming, suggestion.forecast) == (D(0), D(7), D(7))
    assert suggestion.quantity == D(13)
    assert suggestion.reason == "forecast 7 < min 10 → order 13 to reach max 20"
