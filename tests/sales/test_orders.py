from decimal import Decimal

import pytest

from tandem.core.errors import DomainError
from tandem.core.models import SequenceNumber
from tandem.sales import services
from tandem.sales.models import (
    OrderException,
    OrderStageEvent,
    SalesOrder,
    SalesOrderLine,
    SalesOrderLog,
)

D = Decimal
pytestmark = pytest.mark.django_db


def test_totals_are_computed_with_the_accounting_rounding(make_product, order_of):
    # given two products at 100.00 and 19.99 with VAT 13 %
    a, b = make_product("100"), make_product("19.99")
    # when a quotation takes 3 of A at 10 % discount and 7 of B
    order = order_of((a, 3, {"discount": D("10")}), (b, 7))
    # then each line and the order carry exact figures
    lines = list(order.lines.order_by("sequence"))
    assert [(li.untaxed_amount, li.tax_amount, li.total_amount) for li in lines] == [
        (D("270.00"), D("35.10"), D("305.10")),
        (D("139.93"), D("18.19"), D("158.12")),
    ]
    order.refresh_from_db()
    assert (order.untaxed_amount, order.tax_amount, order.total_amount) == (
        D("409.93"),
        D("53.29"),
        D("463.22"),
    )
    assert order.state == "draft"
    assert order.quotation_number == f"SQ/{order.order_date.year}/00001"
    assert order.number == ""
    assert lines[0].unit_price == D("100") and lines[0].price_floor == D("100")


def test_update_replaces_lines_and_totals(make_product, order_of):
    a = make_product("50")
    order = order_of((a, 1))
    order = services.sales_order_update(order=order, lines=[{"product": a, "quantity": D("4")}])
    assert SalesOrderLine.objects.filter(order=order).count() == 1
    assert (order.untaxed_amount, order.tax_amount, order.total_amount) == (
        D("200.00"),
        D("26.00"),
        D("226.00"),
    )


def test_price_below_floor_needs_the_permission(make_product, order_of, clerk, manager):
    a = make_product("100")
    # when a clerk asks 90 for a product listed at 100
    with pytest.raises(DomainError) as refused:
        order_of((a, 1, {"unit_price": D("90")}), user=clerk)
    # then refused, nothing made
    assert refused.value.code == "sales.price_below_floor"
    assert SalesOrder.objects.count() == 0
    # a higher price is fine for anyone
    assert order_of((a, 1, {"unit_price": D("120")}), user=clerk).total_amount == D("135.60")
    # and a manager may sell below the floor, which is logged
    order = order_of((a, 1, {"unit_price": D("90")}), user=manager)
    assert order.untaxed_amount == D("90.00")
    log = SalesOrderLog.objects.get(order=order)
    assert (log.action, log.user) == ("price_below_floor", manager)


def test_a_discount_that_takes_the_net_price_below_the_floor_needs_the_permission(
    make_product, order_of, clerk, manager
):
    a = make_product("100")
    # when a clerk keeps the list price but gives 10 % off, the net 90 is under the floor
    with pytest.raises(DomainError) as refused:
        order_of((a, 1, {"discount": D("10")}), user=clerk)
    assert refused.value.code == "sales.price_below_floor"
    assert refused.value.field == "lines.0.discount"
    assert SalesOrder.objects.count() == 0
    # a discount on a price raised above the list is fine while the net stays at the floor
    order = order_of((a, 1, {"unit_price": D("125"), "discount": D("20")}), user=clerk)
    assert order.untaxed_amount == D("100.00")
    # the manager may, and the net price is what the log records
    order = order_of((a, 1, {"discount": D("12.5")}), user=manager)
    assert order.untaxed_amount == D("87.50")
    log = SalesOrderLog.objects.get(order=order)
    assert log.detail == f"{a.sku}: 87.500000 < 100.000000"


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ({"quantity": D("-1")}, "validation.min_value"),
        ({"quantity": D("0")}, "validation.min_value"),
        ({"discount": D("101")}, "validation.max_value"),
        ({"unit_price": "abc"}, "validation.invalid"),
    ],
)
def test_bad_lines_are_refused(make_product, order_of, line, code):
    a = make_product("100")
    with pytest.raises(DomainError) as refused:
        order_of((a, line.pop("quantity", 1), line))
    assert refused.value.code == code
    assert SalesOrder.objects.count() == 0


def test_product_not_sellable_is_refused(make_product, order_of):
    a = make_product("100", can_be_sold=False)
    with pytest.raises(DomainError) as refused:
        order_of((a, 1))
    assert refused.value.code == "sales.product_not_sellable"
    assert SalesOrder.objects.count() == 0


def test_channel_reference_is_unique_per_channel(make_product, order_of):
    a = make_product("100")
    first = order_of((a, 1), channel="shop", external_reference="W-1")
    with pytest.raises(DomainError) as refused:
        order_of((a, 1), channel="shop", external_reference="W-1")
    assert refused.value.code == "sales.duplicate_reference"
    assert refused.value.extra == {"existing_id": first.pk}
    # another channel may reuse the reference
    order_of((a, 1), channel="phone", external_reference="W-1")
    assert SalesOrder.objects.count() == 2


def test_confirm_numbers_the_order_and_records_received(make_product, order_of, owner):
    order = order_of((make_product("10", type="service"), 2))
    order = services.sales_order_confirm(order=order, user=owner)
    assert order.state == "confirmed"
    assert order.number == f"SO/{order.order_date.year}/00001"
    assert list(OrderStageEvent.objects.filter(order=order).values_list("stage", flat=True)) == [
        "received"
    ]
    assert order.delivery_status == "nothing"
    assert order.invoice_status == "to_invoice"


def test_confirm_without_lines_is_refused(customer):
    order = services.sales_order_create(company=customer.company, party=customer)
    with pytest.raises(DomainError) as refused:
        services.sales_order_confirm(order=order)
    assert refused.value.code == "sales.no_lines"
    order.refresh_from_db()
    assert (order.state, order.number) == ("draft", "")
    assert not SequenceNumber.objects.filter(value__startswith="SO/").exists()


def test_credit_limit_puts_the_order_on_hold(make_product, order_of, customer, clerk, manager):
    # given a customer with a 1,000.00 limit and an order of 1,130.00
    customer.credit_limit = D("1000.00")
    customer.save()
    order = order_of((make_product("100", type="service"), 10), user=clerk)
    assert order.total_amount == D("1130.00")
    # when a clerk confirms
    with pytest.raises(DomainError) as refused:
        services.sales_order_confirm(order=order, user=clerk)
    # then the order is on hold with an open credit_hold exception, not confirmed
    assert refused.value.code == "credit.limit_exceeded"
    order.refresh_from_db()
    assert (order.state, order.on_hold, order.number) == ("draft", True, "")
    hold = OrderException.objects.get(order=order)
    assert (hold.kind, hold.state) == ("credit_hold", "open")
    assert refused.value.extra["exception_id"] == hold.pk
    # a clerk may not override
    with pytest.raises(DomainError) as forbidden:
        services.sales_order_confirm(order=order, user=clerk, override_credit=True)
    assert forbidden.value.code == "permission.denied"
    # a manager may, and it is logged
    order = services.sales_order_confirm(order=order, user=manager, override_credit=True)
    assert (order.state, order.on_hold) == ("confirmed", False)
    hold.refresh_from_db()
    assert hold.state == "resolved"
    assert SalesOrderLog.objects.filter(
        order=order, action="credit_override", user=manager
    ).exists()


def test_credit_limit_within_reach_confirms(make_product, order_of, customer):
    customer.credit_limit = D("1130.00")
    customer.save()
    order = order_of((make_product("100", type="service"), 10))
    assert services.sales_order_confirm(order=order).state == "confirmed"


def test_resolving_a_credit_hold_confirms_the_order(make_product, order_of, customer, manager):
    customer.credit_limit = D("100.00")
    customer.save()
    order = order_of((make_product("100", type="service"), 1))
    with pytest.raises(DomainError):
        services.sales_order_confirm(order=order)
    hold = OrderException.objects.get(order=order)
    hold = services.order_exception_resolve(
        exception=hold, note="Paid in advance by wire", user=manager
    )
    order.refresh_from_db()
    assert (order.state, order.on_hold) == ("confirmed", False)
    assert (hold.state, hold.resolution_note, hold.resolved_by) == (
        "resolved",
        "Paid in advance by wire",
        manager,
    )
    # resolving twice is refused
    with pytest.raises(DomainError) as refused:
        services.order_exception_resolve(exception=hold, note="again", user=manager)
    assert refused.value.code == "exception.resolved"


def test_resolve_needs_a_note(make_product, order_of, customer, manager):
    customer.credit_limit = D("100.00")
    customer.save()
    order = order_of((make_product("100", type="service"), 1))
    with pytest.raises(DomainError):
        services.sales_order_confirm(order=order)
    hold = OrderException.objects.get(order=order)
    with pytest.raises(DomainError) as refused:
        services.order_exception_resolve(exception=hold, note=" ", user=manager)
    assert refused.value.code == "validation.required"
    hold.refresh_from_db()
    order.refresh_from_db()
    assert (hold.state, order.state) == ("open", "draft")


def test_delete_only_drafts(make_product, order_of):
    order = order_of((make_product("10", type="service"), 1))
    confirmed = services.sales_order_confirm(
        order=order_of((make_product("10", type="service"), 1))
    )
    services.sales_order_delete(order=order)
    with pytest.raises(DomainError) as refused:
        services.sales_order_delete(order=confirmed)
    assert refused.value.code == "sales.not_draft"
    assert list(SalesOrder.objects.values_list("pk", flat=True)) == [confirmed.pk]
