from decimal import Decimal

import pytest

from tandem.core.errors import DomainError
from tandem.inventory.models import StockLevel, Transfer
from tandem.sales import services
from tandem.sales.models import OrderException, OrderStageEvent

from .conftest import balance

D = Decimal
pytestmark = pytest.mark.django_db


def reserved(product, wh):
    row = StockLevel.objects.filter(product=product, location=wh.stock_location).first()
    return (row.on_hand, row.reserved) if row else (D(0), D(0))


def stages(order):
    return list(OrderStageEvent.objects.filter(order=order).values_list("stage", flat=True))


def test_confirm_reserves_stock_and_records_allocated(make_product, order_of, stock_in, wh):
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 4)))
    transfer = order.transfers.get()
    assert (transfer.kind, transfer.state, transfer.origin) == (
        "delivery",
        "assigned",
        order.number,
    )
    assert reserved(a, wh) == (D(10), D(4))
    assert stages(order) == ["received", "allocated"]
    assert order.delivery_status == "pending"
    assert not OrderException.objects.exists()


def test_partial_availability_reserves_what_is_there(make_product, order_of, stock_in, wh):
    a = make_product("100")
    stock_in(a, 3)
    order = services.sales_order_confirm(order=order_of((a, 5)))
    assert reserved(a, wh) == (D(3), D(3))
    assert stages(order) == ["received"]
    shortage = OrderException.objects.get(order=order)
    assert (shortage.kind, shortage.state) == ("stock_shortage", "open")
    assert "missing" not in shortage.detail and "2" in shortage.detail
    # when stock arrives and the shortage is resolved, the rest is reserved
    stock_in(a, 5)
    services.order_exception_resolve(exception=shortage, note="restocked", user=None)
    assert reserved(a, wh) == (D(8), D(5))
    assert stages(order) == ["received", "allocated"]


def test_cancel_releases_reservations(make_product, order_of, stock_in, wh):
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 4)))
    assert (order.delivery_status, order.invoice_status) == ("pending", "to_invoice")
    order = services.sales_order_cancel(order=order, reason="customer changed mind")
    assert order.state == "cancelled"
    order.refresh_from_db()
    assert (order.delivery_status, order.invoice_status) == ("nothing", "nothing")
    assert reserved(a, wh) == (D(10), D(0))
    assert Transfer.objects.get(kind="delivery").state == "cancelled"
    # and a cancelled order cannot be cancelled again
    with pytest.raises(DomainError) as refused:
        services.sales_order_cancel(order=order)
    assert refused.value.code == "sales.invalid_transition"


def test_cancel_refused_once_shipped(make_product, order_of, stock_in, wh):
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 4)))
    services.delivery_step(order=order, step="ship")
    with pytest.raises(DomainError) as refused:
        services.sales_order_cancel(order=order)
    assert refused.value.code == "sales.shipped"
    order.refresh_from_db()
    assert order.state == "confirmed"
    assert reserved(a, wh) == (D(6), D(0))


def test_order_to_invoice_with_the_ledger_after_each_step(
    make_product, order_of, stock_in, wh, books, owner
):
    # given 10 widgets in stock at 60.00 and an order of 4 at 100.00 + 13 % VAT
    a = make_product("100")
    stock_in(a, 10, unit_cost="60")
    inventory_before = balance(books, "inventory")
    order = services.sales_order_confirm(order=order_of((a, 4)), user=owner)
    # confirm posts nothing
    assert balance(books, "inventory") == inventory_before == D("600.00")
    assert balance(books, "cogs") == D("0.00")
    # pick, pack, ship: the delivery posts cost of goods
    for step in ("pick", "pack"):
        services.delivery_step(order=order, step=step, user=owner)
    order = services.delivery_step(
        order=order, step="ship", user=owner, carrier="SF Express", tracking_reference="SF123"
    )
    assert (order.carrier, order.tracking_reference) == ("SF Express", "SF123")
    assert order.lines.get().qty_delivered == D(4)
    assert order.delivery_status == "delivered"
    assert balance(books, "cogs") == D("240.00")
    assert balance(books, "inventory") == D("360.00")
    assert stages(order) == ["received", "allocated", "picked", "packed", "shipped"]
    # invoice and post: receivable, revenue and output tax
    invoice = services.sales_order_invoice(orders=[order], user=owner, post=True)
    assert (invoice.state, invoice.total_amount) == ("posted", D("452.00"))
    assert balance(books, "receivable") == D("452.00")
    assert balance(books, "revenue") == D("-400.00")
    assert balance(books, "tax_payable") == D("-52.00")
    order.refresh_from_db()
    assert (order.invoice_status, order.state, order.payment_status) == (
        "invoiced",
        "done",
        "not_paid",
    )
    assert list(order.invoices.values_list("pk", flat=True)) == [invoice.pk]
    # invoicing twice is refused
    with pytest.raises(DomainError) as refused:
        services.sales_order_invoice(orders=[order], user=owner)
    assert refused.value.code == "sales.nothing_to_invoice"
    services.delivery_step(order=order, step="deliver", user=owner)
    assert stages(order)[-1] == "delivered"


def test_partial_delivery_leaves_a_backorder_and_invoices_by_delivered_policy(
    make_product, order_of, stock_in, wh, owner
):
    a = make_product("100")
    services.product_invoice_policy_set(product=a, invoice_policy="delivered")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 5)))
    move = order.transfers.get().moves.get()
    order = services.delivery_step(order=order, step="ship", quantities={move.pk: D(2)})
    assert order.delivery_status == "partial"
    assert order.transfers.count() == 2
    backorder = order.transfers.exclude(state="done").get()
    assert backorder.state == "assigned"
    line = order.lines.get()
    assert (line.qty_delivered, line.invoice_policy) == (D(2), "delivered")
    # more than delivered cannot be invoiced
    with pytest.raises(DomainError) as refused:
        services.sales_order_invoice(orders=[order], quantities={line.pk: D(3)})
    assert refused.value.code == "sales.overinvoiced"
    line.refresh_from_db()
    assert line.qty_invoiced == D(0)
    invoice = services.sales_order_invoice(orders=[order])
    assert invoice.lines.get().quantity == D(2)
    order.refresh_from_db()
    assert order.invoice_status == "partial"


def test_invoice_from_several_orders(make_product, order_of):
    s = make_product("50", type="service")
    one = services.sales_order_confirm(order=order_of((s, 1)))
    two = services.sales_order_confirm(order=order_of((s, 2)))
    invoice = services.sales_order_invoice(orders=[one, two])
    assert invoice.total_amount == D("169.50")
    assert invoice.origin == f"{one.number}, {two.number}"
    assert sorted(invoice.sales_orders.values_list("pk", flat=True)) == [one.pk, two.pk]


def test_integrity_holds_after_a_partial_delivery_and_invoice(make_product, order_of, stock_in, wh):
    from tandem.core.integrity import run_all

    a = make_product("100")
    stock_in(a, 3)
    order = services.sales_order_confirm(order=order_of((a, 5)))
    services.delivery_step(order=order, step="ship")
    services.sales_order_invoice(orders=[order])
    report = run_all()
    assert report.ok, report.render()


def test_shipping_more_than_ordered_is_refused_and_changes_nothing(
    make_product, order_of, stock_in, wh, books
):
    a = make_product("100")
    stock_in(a, 10)
    order = services.sales_order_confirm(order=order_of((a, 4)))
    move = order.transfers.get().moves.get()
    with pytest.raises(DomainError) as refused:
        services.delivery_step(order=order, step="ship", quantities={move.pk: D(5)})
    assert refused.value.code == "move.quantity_exceeds"
    order.refresh_from_db()
    assert (order.delivery_status, order.lines.get().qty_delivered) == ("pending", D(0))
    assert reserved(a, wh) == (D(10), D(4))
    assert balance(books, "cogs") == D("0.00")
    assert not OrderStageEvent.objects.filter(order=order, stage="shipped").exists()
