"""A bill priced otherwise than the receipt: GRNI clears, the difference goes to stock and COGS.

Worked figures: 10 units ordered and received at 10.00 (Dr inventory 100 / Cr GRNI 100),
billed at 11.00 (Dr GRNI 110). GRNI keeps 10.00 unless it is moved on: to inventory for
the units still held, to cost of goods sold for those gone (and all of it for a
standard-cost product).
"""

from decimal import Decimal

import pytest

from tandem.accounting.models import Account, EntryLine
from tandem.accounting.services.invoices import invoice_cancel, invoice_post, invoice_update
from tandem.catalog.services import product_create
from tandem.core.integrity import run_all
from tandem.inventory import services as inventory
from tandem.inventory.models import ProductStock, ValuationLayer
from tandem.parties.models import Party
from tandem.purchasing import services
from tandem.purchasing.models import PriceDifference, PurchaseOrderLine

D = Decimal


def balance(company, role):
    lines = EntryLine.objects.filter(
        company=company, posted=True, account__in=Account.objects.filter(company=company, role=role)
    )
    return sum((line.debit - line.credit for line in lines), D("0.00"))


def books(company):
    return {role: balance(company, role) for role in ("grni", "inventory", "cogs")}


def stock(product):
    row = ProductStock.objects.get(product=product)
    return row.quantity, row.value


def assert_integrity():
    report = run_all()
    assert report.ok, report.render()


@pytest.fixture
def customer(company):
    return Party.objects.create(company=company, name="Buyer", is_customer=True, currency_id="CNY")


@pytest.fixture
def make_product(chart):
    def make(valuation, cost="10.00"):
        return product_create(
            company=chart,
            sku=f"P-{valuation}",
            name=f"Bought {valuation}",
            valuation=valuation,
            cost_price=D(cost),
        )

    return make


@pytest.fixture
def buy(company, supplier, warehouse, owner):
    """buy(product, qty, price) -> the confirmed order."""

    def run(product, qty, price):
        order = services.purchase_order_create(
            company=company,
            supplier=supplier,
            warehouse=warehouse,
            lines=[{"product": product, "quantity": qty, "unit_price": price}],
            user=owner,
        )
        return services.purchase_order_confirm(order=order, user=owner)

    return run


@pytest.fixture
def bill_at(owner):
    """bill_at(order, price, policy) -> the posted bill of the order at `price` a unit."""

    def run(order, price, policy="received"):
        bill, _warnings = services.purchase_order_bill(order=order, policy=policy, user=owner)
        line = bill.lines.get()
        invoice_update(
            invoice=bill,
            lines=[
                {
                    "product": line.product,
                    "quantity": line.quantity,
                    "uom": line.uom,
                    "unit_price": price,
                    "account": line.account,
                    "origin_line": line.origin_line,
                }
            ],
        )
        return invoice_post(invoice=bill, user=owner)

    return run


@pytest.fixture
def ship(company, warehouse, customer):
    def run(product, qty):
        transfer = inventory.transfer_create(
            company=company,
            kind="delivery",
            warehouse=warehouse,
            party=customer,
            moves=[{"product": product, "quantity": D(qty)}],
        )
        return inventory.transfer_done(transfer=inventory.transfer_confirm(transfer=transfer))

    return run


def test_fifo_units_still_held_take_the_whole_difference(make_product, buy, bill_at, chart):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    assert books(chart) == {"grni": D("-100.00"), "inventory": D("100.00"), "cogs": D("0.00")}

    bill_at(order, "11.00")

    assert books(chart) == {"grni": D("0.00"), "inventory": D("110.00"), "cogs": D("0.00")}
    assert stock(product) == (D("10"), D("110.00"))
    receipt_layer = ValuationLayer.objects.get(product=product, move__isnull=False)
    assert (receipt_layer.remaining_quantity, receipt_layer.remaining_value) == (
        D("10"),
        D("110.00"),
    )
    assert list(PriceDifference.objects.filter(order=order).values_list("amount", flat=True)) == [
        D("10.00")
    ]
    assert_integrity()


def test_fifo_units_sold_before_the_bill_send_their_share_to_cogs(
    make_product, buy, bill_at, ship, chart
):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    ship(product, "4")  # COGS 40.00 at the receipt's price

    bill_at(order, "11.00")

    # 6 held take 6.00, the 4 sold take 4.00
    assert books(chart) == {"grni": D("0.00"), "inventory": D("66.00"), "cogs": D("44.00")}
    assert stock(product) == (D("6"), D("66.00"))

    # the rest leaves at the billed cost
    ship(product, "6")
    assert books(chart) == {"grni": D("0.00"), "inventory": D("0.00"), "cogs": D("110.00")}
    assert stock(product) == (D("0"), D("0.00"))
    assert_integrity()


def test_average_cost_takes_the_held_share_into_the_average(
    make_product, buy, bill_at, ship, chart
):
    product = make_product("average")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    ship(product, "5")

    bill_at(order, "9.00")  # 10.00 less than received

    assert books(chart) == {"grni": D("0.00"), "inventory": D("45.00"), "cogs": D("45.00")}
    assert stock(product) == (D("5"), D("45.00"))
    assert_integrity()


def test_standard_cost_sends_the_whole_difference_to_cogs(make_product, buy, bill_at, chart):
    product = make_product("standard", cost="10.00")
    order = buy(product, "10", "12.00")  # received at the standard 10.00
    services.purchase_order_receive(order=order)
    assert books(chart)["inventory"] == D("100.00")

    bill_at(order, "12.00")

    assert books(chart) == {"grni": D("0.00"), "inventory": D("100.00"), "cogs": D("20.00")}
    assert stock(product) == (D("10"), D("100.00"))
    assert_integrity()


def test_bill_before_receipt_is_trued_up_when_the_goods_come_in(make_product, buy, bill_at, chart):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    bill_at(order, "11.00", policy="ordered")
    assert books(chart) == {"grni": D("110.00"), "inventory": D("0.00"), "cogs": D("0.00")}

    services.purchase_order_receive(order=order)

    assert books(chart) == {"grni": D("0.00"), "inventory": D("110.00"), "cogs": D("0.00")}
    assert stock(product) == (D("10"), D("110.00"))
    assert_integrity()


def test_partial_receipt_and_bill_match_only_what_both_saw(make_product, buy, bill_at, chart):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    line = PurchaseOrderLine.objects.get(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "4"})

    bill_at(order, "12.00")  # the 4 received, 2.00 more each

    assert books(chart) == {"grni": D("0.00"), "inventory": D("48.00"), "cogs": D("0.00")}

    # the backorder comes in at the order's price; its bill is again 2.00 more
    services.purchase_order_receive(order=order)
    assert books(chart)["grni"] == D("-60.00")
    bill_at(order, "12.00")
    assert books(chart) == {"grni": D("0.00"), "inventory": D("120.00"), "cogs": D("0.00")}
    assert sum(PriceDifference.objects.filter(order=order).values_list("amount", flat=True)) == D(
        "20.00"
    )
    assert_integrity()


def test_cancelling_the_bill_takes_the_difference_back(
    make_product, buy, bill_at, ship, owner, chart, django_capture_on_commit_callbacks
):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    bill = bill_at(order, "11.00")
    ship(product, "4")  # leaves at 11.00: COGS 44.00

    # on commit, the order's billed quantity follows (check-integrity compares them)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_cancel(invoice=bill, user=owner)

    # GRNI holds the receipt again; the 6 held are back at 10.00, the sold part comes off COGS
    assert books(chart) == {"grni": D("-100.00"), "inventory": D("60.00"), "cogs": D("40.00")}
    assert stock(product) == (D("6"), D("60.00"))
    assert sum(PriceDifference.objects.filter(order=order).values_list("amount", flat=True)) == 0
    assert_integrity()


def test_a_bill_at_the_order_price_posts_no_difference(make_product, buy, bill_at, chart):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)

    bill_at(order, "10.00")

    assert books(chart) == {"grni": D("0.00"), "inventory": D("100.00"), "cogs": D("0.00")}
    assert not PriceDifference.objects.filter(order=order).exists()
    assert ValuationLayer.objects.filter(product=product).count() == 1


def test_order_page_and_api_show_the_price_difference(make_product, buy, bill_at, chart, web, api):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    bill_at(order, "11.00")

    page = web.get(f"/purchasing/orders/{order.pk}/").content.decode()
    assert "Price differences" in page and "10.00" in page

    body = api.get(f"/purchase-orders/{order.pk}").json()
    assert D(body["price_difference"]) == D("10.00")
    listing = api.get("/purchase-orders").json()
    assert [D(o["price_difference"]) for o in listing["items"]] == [D("10.00")]


def test_check_integrity_finds_a_price_difference_its_entry_does_not_carry(
    make_product, buy, bill_at, chart
):
    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    bill_at(order, "11.00")
    assert_integrity()

    PriceDifference.objects.filter(order=order).update(amount=D("9.99"))

    report = run_all()
    assert not report.ok
    assert "price differences 9.99 but GRNI moved 10.00" in report.render()


def test_a_foreign_bill_at_a_later_rate_moves_the_exchange_difference_to_stock(
    make_product, company, warehouse, owner, bill_at, chart, today
):
    from datetime import timedelta

    from tandem.core.services import exchange_rate_set

    exchange_rate_set(
        company=company, currency="USD", on_date=today - timedelta(days=1), rate=D("7")
    )
    exchange_rate_set(company=company, currency="USD", on_date=today, rate=D("7.2"))
    supplier = Party.objects.create(
        company=company, name="Boston Supplier", is_supplier=True, currency_id="USD"
    )
    product = make_product("fifo")
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        currency="USD",
        order_date=today - timedelta(days=1),
        lines=[{"product": product, "quantity": "10", "unit_price": "10.00"}],
        user=owner,
    )
    order = services.purchase_order_confirm(order=order, user=owner)
    services.purchase_order_receive(order=order)
    assert books(chart)["inventory"] == D("700.00")  # 100 USD at the order's 7.0

    bill_at(order, "10.00")  # the same 100 USD, billed at today's 7.2: 720 CNY

    assert books(chart) == {"grni": D("0.00"), "inventory": D("720.00"), "cogs": D("0.00")}
    assert stock(product) == (D("10"), D("720.00"))
    assert_integrity()


def test_a_price_credit_from_the_supplier_takes_the_difference_back(
    make_product, buy, bill_at, owner, chart, django_capture_on_commit_callbacks
):
    from tandem.accounting.services.invoices import invoice_credit

    product = make_product("fifo")
    order = buy(product, "10", "10.00")
    services.purchase_order_receive(order=order)
    bill = bill_at(order, "11.00")
    assert books(chart)["inventory"] == D("110.00")

    # the supplier credits the whole bill back; the goods stay at the order's price
    with django_capture_on_commit_callbacks(execute=True):  # the order follows on commit
        invoice_post(invoice=invoice_credit(invoice=bill), user=owner)

    assert books(chart) == {"grni": D("-100.00"), "inventory": D("100.00"), "cogs": D("0.00")}
    assert stock(product) == (D("10"), D("100.00"))
    assert_integrity()


def test_one_bill_up_on_one_product_and_down_on_another_moves_both(
    make_product, company, supplier, warehouse, owner, chart
):
    up, down = make_product("fifo"), make_product("average")
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[
            {"product": up, "quantity": "10", "unit_price": "10.00"},
            {"product": down, "quantity": "10", "unit_price": "10.00"},
        ],
        user=owner,
    )
    order = services.purchase_order_confirm(order=order, user=owner)
    services.purchase_order_receive(order=order)
    bill, _warnings = services.purchase_order_bill(order=order, policy="received", user=owner)
    invoice_update(
        invoice=bill,
        lines=[
            {
                "product": line.product,
                "quantity": line.quantity,
                "uom": line.uom,
                "unit_price": "11.00" if line.product == up else "9.00",
                "account": line.account,
                "origin_line": line.origin_line,
            }
            for line in bill.lines.order_by("sequence", "pk")
        ],
    )
    invoice_post(invoice=bill, user=owner)

    # +10.00 and -10.00 net to nothing in the books, but each product's value moved
    assert books(chart) == {"grni": D("0.00"), "inventory": D("200.00"), "cogs": D("0.00")}
    assert stock(up) == (D("10"), D("110.00"))
    assert stock(down) == (D("10"), D("90.00"))
    amounts = PriceDifference.objects.filter(order=order).values_list("amount", flat=True)
    assert sorted(amounts) == [D("-10.00"), D("10.00")]
    assert_integrity()
