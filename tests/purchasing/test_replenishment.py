"""Replenishment: reorder rules into draft POs grouped by supplier, updated not duplicated."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tandem.core.errors import DomainError
from tandem.inventory.services import transfer_create, transfer_done
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderRule

D = Decimal


def stock_in(company, warehouse, product, qty):
    transfer = transfer_create(
        company=company,
        kind="receipt",
        warehouse=warehouse,
        moves=[{"product": product, "quantity": qty, "unit_cost": "1"}],
        confirm=True,
    )
    return transfer_done(transfer=transfer)


@pytest.fixture
def prices(company, supplier, supplier2, widget, gadget):
    return [
        services.supplier_price_create(
            company=company, supplier=supplier, product=widget, price="8.00", lead_time_days=5
        ),
        services.supplier_price_create(
            company=company, supplier=supplier2, product=widget, price="8.50", lead_time_days=1
        ),
        services.supplier_price_create(
            company=company, supplier=supplier2, product=gadget, price="4.00", lead_time_days=2
        ),
    ]


def test_order_quantity_rounds_up_to_the_multiple():
    assert services.order_quantity(
        forecast=D(3), min_quantity=D(10), max_quantity=D(25), multiple=D(6)
    ) == D(24)
    assert services.order_quantity(
        forecast=D(3), min_quantity=D(10), max_quantity=D(25), multiple=D(1)
    ) == D(22)
    assert services.order_quantity(
        forecast=D(10), min_quantity=D(10), max_quantity=D(25), multiple=D(5)
    ) == D(0)


def test_run_groups_by_supplier_dates_by_lead_time_and_gives_reasons(
    company, warehouse, widget, gadget, supplier, supplier2, prices, today
):
    # given 3 widgets in stock (min 10, max 25, multiple 5) and no gadgets (min 2, max 6)
    stock_in(company, warehouse, widget, "3")
    services.reorder_rule_create(
        company=company,
        product=widget,
        warehouse=warehouse,
        min_quantity="10",
        max_quantity="25",
        multiple="5",
    )
    services.reorder_rule_create(
        company=company,
        product=gadget,
        warehouse=warehouse,
        min_quantity="2",
        max_quantity="6",
        multiple="1",
    )

    # when replenishment runs
    orders, suggestions = services.replenishment_run(company=company)

    # then one draft per supplier: widgets from the cheaper supplier, gadgets from the other
    assert [(o.supplier_id, o.state) for o in orders] == [
        (supplier.pk, "draft"),
        (supplier2.pk, "draft"),
    ]
    widget_po, gadget_po = orders
    (wline,) = widget_po.lines.all()
    assert (wline.product_id, wline.quantity, wline.unit_price) == (widget.pk, D(25), D(8))
    assert wline.reason == "forecast 3 < min 10 → order 25 to reach max 25"
    assert widget_po.order_date == today
    assert widget_po.expected_date == today + timedelta(days=5)
    assert wline.expected_date == today + timedelta(days=5)
    (gline,) = gadget_po.lines.all()
    assert (gline.quantity, gline.unit_price) == (D(6), D(4))
    assert gadget_po.expected_date == today + timedelta(days=2)
    assert [s.status for s in suggestions] == ["order", "order"]


def test_second_run_updates_the_draft_instead_of_duplicating(company, warehouse, widget, prices):
    rule = services.reorder_rule_create(
        company=company,
        product=widget,
        warehouse=warehouse,
        min_quantity="10",
        max_quantity="20",
        multiple="1",
    )
    (first,), _ = services.replenishment_run(company=company)
    assert first.lines.get().quantity == D(20)

    # when stock arrives (forecast 4) and the rule runs again
    stock_in(company, warehouse, widget, "4")
    (second,), _ = services.replenishment_run(company=company)

    assert second.pk == first.pk
    assert PurchaseOrder.objects.count() == 1
    (line,) = PurchaseOrderLine.objects.filter(order=first)
    assert (line.quantity, line.reorder_rule_id) == (D(16), rule.pk)
    first.refresh_from_db()
    assert first.untaxed_amount == D("128.00")


def test_confirmed_orders_count_as_incoming(company, warehouse, widget, prices):
    services.reorder_rule_create(
        company=company,
        product=widget,
        warehouse=warehouse,
        min_quantity="10",
        max_quantity="20",
    )
    (order,), _ = services.replenishment_run(company=company)
    services.purchase_order_confirm(order=order)

    orders, suggestions = services.replenishment_run(company=company)

    assert orders == []
    assert (suggestions[0].incoming, suggestions[0].forecast) == (D(20), D(20))
    assert suggestions[0].reason == "forecast 20 ≥ min 10: nothing to order"


def test_a_rule_without_a_supplier_price_is_reported(company, warehouse, widget):
    services.reorder_rule_create(
        company=company, product=widget, warehouse=warehouse, min_quantity="1", max_quantity="5"
    )
    orders, (suggestion,) = services.replenishment_run(company=company)
    assert orders == []
    assert suggestion.status == "no_supplier"


def test_rule_checks(company, warehouse, widget):
    with pytest.raises(DomainError) as refused:
        services.reorder_rule_create(
            company=company,
            product=widget,
            warehouse=warehouse,
            min_quantity="5",
            max_quantity="2",
        )
    assert refused.value.code == "reorder_rule.max_below_min"
    services.reorder_rule_create(
        company=company, product=widget, warehouse=warehouse, min_quantity="1", max_quantity="2"
    )
    with pytest.raises(DomainError) as refused:
        services.reorder_rule_create(
            company=company,
            product=widget,
            warehouse=warehouse,
            min_quantity="1",
            max_quantity="2",
        )
    assert refused.value.code == "reorder_rule.duplicate"
    assert ReorderRule.objects.count() == 1


def test_scheduled_task_runs_every_company(company, warehouse, widget, prices):
    from tandem.purchasing.tasks import replenishment_run_all

    services.reorder_rule_create(
        company=company, product=widget, warehouse=warehouse, min_quantity="1", max_quantity="5"
    )
    assert replenishment_run_all() == {"ACME": 1}
    assert replenishment_run_all() == {"ACME": 1}
    assert PurchaseOrder.objects.count() == 1
