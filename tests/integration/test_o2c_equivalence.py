"""The batch paths keep the books and stock of the one-at-a-time path (issue 20).

Two companies seeded alike take the same 200 orders: one through `sales_order_create`,
`sales_order_confirm`, `delivery_step(ship)`, `sales_order_invoice(post=True)` and a
payment per order, the other through the batch paths: `sales_orders_intake(confirm=True)`,
`sales_orders_ship`, `sales_orders_invoice_period` and `payments_import` of a bank file.
Trial balance, stock levels, valuation layers, the orders' derived statuses and the number
of rows of every sales, inventory and accounting table must be identical (document numbers
aside). A property test sends random batches with bad orders among good ones.
"""

import itertools
import random
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.accounting.models import EntryLine, Tax
from tandem.accounting.services import chart_install, fiscal_year_create
from tandem.accounting.services.bank_import import payments_import
from tandem.accounting.services.payments import payment_create, payment_post
from tandem.catalog.services import product_create
from tandem.core.models import OutboxEvent, SequenceNumber
from tandem.core.services import company_create
from tandem.inventory import services as inventory
from tandem.inventory.models import StockLevel, ValuationLayer
from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.models import SalesOrder, SalesOrderLine

pytestmark = pytest.mark.django_db

ORDERS = 200
BATCH = 25  # several batches, the last one short
CUSTOMERS = 12
PRODUCTS = 9


def seed(code: str):
    """A company with the PRC chart, a warehouse, customers and stocked FIFO products, made
    by the same calls in the same order for every code (so both books start equal)."""
    rng = random.Random(20)
    company = company_create(code=code, name=f"{code} Trading", currency="CNY", country="CN")
    fiscal_year_create(company=company, date_start=date(date.today().year, 1, 1))
    chart_install(company=company, template="prc")
    vat = Tax.objects.get(company=company, scope="sale", name="销项税 13%")
    warehouse = inventory.warehouse_create(company=company, code="WH", name="Main")
    customers = [
        Party.objects.create(
            company=company, name=f"Customer {i}", is_customer=True, currency_id="CNY"
        )
        for i in range(CUSTOMERS)
    ]
    products = []
    for i in range(PRODUCTS):
        product = product_create(
            company=company,
            sku=f"P{i:02d}",
            name=f"Product {i}",
            type="goods",
            list_price=Decimal(rng.randrange(20, 500)),
            cost_price=Decimal(rng.randrange(5, 20)),
            valuation="fifo",
        )
        vat.products.add(product)
        products.append(product)
    supplier = Party.objects.create(
        company=company, name="Supplier", is_supplier=True, currency_id="CNY"
    )
    # two receipts at different costs, so FIFO has layers to walk through
    for cost_step in (0, 3):
        receipt = inventory.transfer_create(
            company=company,
            kind="receipt",
            warehouse=warehouse,
            party=supplier,
            moves=[
                {"product": p, "quantity": Decimal(200), "unit_cost": p.cost_price + cost_step}
                for p in products
            ],
            confirm=True,
        )
        inventory.transfer_done(transfer=receipt)
    return company, customers, products


def plan(n: int):
    """(customer index, [(product index, quantity, discount)]) per order, seeded."""
    rng = random.Random(11)
    return [
        (
            rng.randrange(CUSTOMERS),
            [
                (p, Decimal(rng.randrange(1, 5)), Decimal(rng.choice((0, 0, 5, 12.5))))
                for p in rng.sample(range(PRODUCTS), 3)
            ],
        )
        for _ in range(n)
    ]


def finish(company, order):
    """Ship, invoice and post, pay: one order at a time."""
    services.delivery_step(order=order, step="ship")
    invoice = services.sales_order_invoice(orders=[order], post=True)
    payment = payment_create(
        company=company,
        direction="in",
        party=order.party,
        amount=invoice.total_amount,
        date=invoice.date,
        allocations=[(invoice, invoice.total_amount)],
    )
    payment_post(payment=payment)


def one_at_a_time(company, customers, products, work):
    for i, (c, lines) in enumerate(work):
        order = services.sales_order_create(
            company=company,
            party=customers[c],
            channel="shop",
            external_reference=f"E{i:04d}",
            lines=[{"product": products[p], "quantity": q, "discount": d} for p, q, d in lines],
        )
        order = services.sales_order_confirm(order=order)
        finish(company, order)


def in_batches(company, customers, products, work):
    bodies = [
        {
            "party": customers[c].pk,
            "channel": "shop",
            "external_reference": f"E{i:04d}",
            "lines": [
                {"product": products[p].pk, "quantity": q, "discount": d} for p, q, d in lines
            ],
        }
        for i, (c, lines) in enumerate(work)
    ]
    orders = []
    for start in range(0, len(bodies), BATCH):
        results = services.sales_orders_intake(
            company=company, orders=bodies[start : start + BATCH], confirm=True
        )
        assert [(r.status, r.error) for r in results] == [("created", None)] * len(results)
        orders += [r.order for r in results]
    for start in range(0, len(orders), BATCH):
        shipped = services.sales_orders_ship(
            company=company, orders=[o.pk for o in orders[start : start + BATCH]]
        )
        assert [error for _o, error in shipped] == [None] * len(shipped)
    today = orders[0].order_date
    invoiced = services.sales_orders_invoice_period(company=company, date_from=today, date_to=today)
    assert [(o.pk, e) for o, _i, e in invoiced] == [(o.pk, None) for o in orders]
    receipts = [{"reference": i.number, "amount": i.total_amount} for _o, i, _e in invoiced]
    paid = payments_import(company=company, receipts=receipts)
    assert [r.error for r in paid] == [None] * len(orders)


def books_of(company) -> dict:
    """Everything that must not depend on the path, numbers aside."""
    trial = {
        code: (debit, credit)
        for code, debit, credit in EntryLine.objects.filter(company=company, posted=True)
        .values_list("account__code")
        .annotate(d=Sum("debit"), c=Sum("credit"))
        .order_by("account__code")
    }
    stock = sorted(
        StockLevel.objects.filter(company=company).values_list(
            "product__sku", "location__name", "on_hand", "reserved"
        )
    )
    layers = sorted(
        ValuationLayer.objects.filter(company=company).values_list(
            "product__sku",
            "quantity",
            "unit_cost",
            "value",
            "remaining_quantity",
            "remaining_value",
        )
    )
    orders = sorted(
        SalesOrder.objects.filter(company=company).values_list(
            "external_reference",
            "party__name",
            "state",
            "delivery_status",
            "invoice_status",
            "payment_status",
            "untaxed_amount",
            "tax_amount",
            "total_amount",
            "prepaid",
        )
    )
    lines = sorted(
        SalesOrderLine.objects.filter(company=company).values_list(
            "order__external_reference",
            "sequence",
            "product__sku",
            "quantity",
            "unit_price",
            "price_floor",
            "discount",
            "total_amount",
            "qty_delivered",
            "qty_invoiced",
            "invoice_policy",
        )
    )
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sales", "inventory", "accounting"} and any(
            f.name == "company" for f in model._meta.fields
        ):
            counts[model._meta.label] = model._base_manager.filter(company=company).count()
    counts["core.SequenceNumber"] = SequenceNumber.objects.filter(company=company).count()
    events = Counter(OutboxEvent.objects.filter(company=company).values_list("name", flat=True))
    return {
        "trial": trial,
        "stock": stock,
        "layers": layers,
        "orders": orders,
        "lines": lines,
        "counts": counts,
        "events": dict(events),
    }


def test_batch_intake_and_one_at_a_time_keep_identical_books_and_stock():
    # given two companies seeded alike and the same 200 orders
    work = plan(ORDERS)
    one = seed("ONE")
    many = seed("MANY")
    # when one takes them order by order and the other in batches
    one_at_a_time(*one, work)
    in_batches(*many, work)
    # then their books, stock, valuation, orders and row counts are the same
    a, b = books_of(one[0]), books_of(many[0])
    assert a["counts"]["sales.SalesOrder"] == ORDERS
    assert a["trial"] and a["layers"]
    for key in a:
        assert a[key] == b[key], key


# -- random batches with bad orders --------------------------------------------------------

EXAMPLES = itertools.count()
BAD_KINDS = ("unknown_product", "unknown_party", "zero_quantity", "repeat_ref", "bad_discount")


@pytest.fixture
def shop(db):
    return seed("PROP")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from(("good",) * 3 + BAD_KINDS), min_size=1, max_size=14),
    seed_=st.integers(0, 10_000),
)
def test_random_batches_land_the_good_orders_and_nothing_of_the_bad(shop, kinds, seed_):
    company, customers, products = shop
    rng = random.Random(seed_)
    # the examples share the database: each needs references of its own
    tag = f"H{next(EXAMPLES)}"
    bodies, expected = [], {}
    for i, kind in enumerate(kinds):
        body = {
            "party": rng.choice(customers).pk,
            "channel": "prop",
            "external_reference": f"{tag}-{i}",
            "lines": [
                {"product": p.pk, "quantity": Decimal(rng.randrange(1, 4))}
                for p in rng.sample(products, 2)
            ],
        }
        code = None
        if kind == "unknown_product":
            body["lines"][1]["product"] = 10**9
            code = "reference.invalid"
        elif kind == "unknown_party":
            body["party"] = 10**9
            code = "reference.invalid"
        elif kind == "zero_quantity":
            body["lines"][0]["quantity"] = Decimal(0)
            code = "validation.min_value"
        elif kind == "bad_discount":
            body["lines"][0]["discount"] = Decimal(101)
            code = "validation.max_value"
        elif kind == "repeat_ref" and bodies:
            body["external_reference"] = bodies[0]["external_reference"]
            code = "sales.batch_duplicate_ref"
        bodies.append(body)
        expected[i] = code
    before_orders = SalesOrder.objects.filter(company=company).count()
    before_lines = SalesOrderLine.objects.filter(company=company).count()
    results = services.sales_orders_intake(company=company, orders=bodies)
    got = {r.index: (r.error.code if r.error else None) for r in results}
    assert got == expected
    good = [r for r in results if r.status == "created"]
    assert len(good) == sum(code is None for code in expected.values())
    # exactly the good orders and their lines were written
    assert SalesOrder.objects.filter(company=company).count() == before_orders + len(good)
    assert SalesOrderLine.objects.filter(company=company).count() == before_lines + 2 * len(good)
    written = set(
        SalesOrder.objects.filter(company=company, channel="prop").values_list(
            "external_reference", flat=True
        )
    )
    for i, code in expected.items():
        if code not in (None, "sales.batch_duplicate_ref"):
            assert bodies[i]["external_reference"] not in written
    # gapless quotation numbers across all batches so far
    numbers = sorted(
        int(n.rsplit("/", 1)[1])
        for n in SalesOrder.objects.filter(company=company).values_list(
            "quotation_number", flat=True
        )
    )
    assert numbers == list(range(1, len(numbers) + 1))
