"""Batch ship: POST /sales-orders/ship-batch and `sales_orders_ship` (issue 20)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.accounting.models import Entry
from tandem.inventory.models import MoveState, StockLevel, StockMove, Transfer, ValuationLayer
from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.models import DeliveryStatus, OrderStageEvent, SalesOrder

from .conftest import D, balance

pytestmark = pytest.mark.django_db

URL = "/sales-orders/ship-batch"


@pytest.fixture
def goods(make_product, stock_in):
    products = [make_product(price) for price in ("100", "250")]
    for product in products:
        stock_in(product, 100)
    return products


@pytest.fixture
def confirmed(order_of, goods):
    """confirmed(n, qty) -> n confirmed orders of two lines, reserved in full."""

    def make(n, qty="2"):
        return [
            services.sales_order_confirm(order=order_of((goods[0], qty), (goods[1], "1")))
            for _ in range(n)
        ]

    return make


def written(company):
    """Everything shipping writes, to prove a refused order or batch wrote nothing."""
    return (
        StockMove.objects.filter(company=company, state=MoveState.DONE).count(),
        ValuationLayer.objects.filter(company=company).count(),
        Entry.objects.filter(company=company).count(),
        OrderStageEvent.objects.filter(company=company, stage="shipped").count(),
        sorted(StockLevel.objects.filter(company=company).values_list("pk", "on_hand")),
    )


def test_many_orders_ship_in_one_pass_with_one_entry_per_delivery(books, confirmed, goods):
    # given three confirmed, fully reserved orders
    orders = confirmed(3)
    entries_before = Entry.objects.filter(company=books).count()
    # when they are shipped in one batch
    answers = services.sales_orders_ship(company=books, orders=[o.pk for o in orders])
    # then every order is delivered, its delivery done with its own stock entry
    assert [error for _o, error in answers] == [None, None, None]
    for order in orders:
        order = SalesOrder.objects.get(pk=order.pk)
        assert order.delivery_status == DeliveryStatus.DELIVERED
        assert [li.qty_delivered for li in order.lines.order_by("sequence")] == [D(2), D(1)]
        assert order.stage_events.filter(stage="shipped").exists()
        (delivery,) = order.transfers.all()
        assert delivery.state == MoveState.DONE and delivery.entry_id is not None
    assert Entry.objects.filter(company=books).count() == entries_before + 3
    on_hand = dict(
        StockLevel.objects.filter(company=books, location__usage="internal").values_list(
            "product_id", "on_hand"
        )
    )
    assert on_hand == {goods[0].pk: D(94), goods[1].pk: D(97)}
    # cost of goods sold: 9 units at the receipt cost of 60
    assert balance(books, "cogs") == D("540.00")


def test_bad_orders_come_back_with_their_codes_and_the_good_ones_ship(
    api, books, confirmed, order_of, goods, other_company, customer
):
    # given two good orders, a draft, one partly reserved, one shipped already, an unknown
    # id and another company's order
    good = confirmed(2)
    draft = order_of((goods[0], "1"))
    shipped = confirmed(1)[0]
    services.delivery_step(order=shipped, step="ship")
    partly = services.sales_order_confirm(order=order_of((goods[0], "150")))
    stranger = Party.objects.create(company=other_company, name="Theirs", currency_id="USD")
    theirs = SalesOrder.objects.create(
        company=other_company,
        party=stranger,
        currency_id="USD",
        quotation_number="X",
        order_date=date.today(),
    )
    partly_delivery = partly.transfers.get()
    before_partly = list(partly_delivery.moves.values_list("state", "quantity_reserved"))
    ids = [good[0].pk, draft.pk, partly.pk, shipped.pk, 999_999, theirs.pk, good[1].pk]
    # when the batch is posted
    answer = api.post(URL, {"orders": ids})
    # then each bad order has its code, the good ones shipped
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["done"], body["failed"]) == (2, 5)
    codes = [r["error"]["code"] if r["error"] else None for r in body["results"]]
    assert codes == [
        None,
        "sales.invalid_transition",
        "transfer.not_ready",
        "sales.nothing_to_ship",
        "reference.invalid",
        "reference.invalid",
        None,
    ]
    assert body["results"][4]["error"]["field"] == "orders.4"
    assert body["results"][0]["delivery_status"] == "delivered"
    # nothing of the bad ones was written
    assert list(partly_delivery.moves.values_list("state", "quantity_reserved")) == before_partly
    assert Transfer.objects.get(pk=partly_delivery.pk).state == MoveState.CONFIRMED
    assert not SalesOrder.objects.get(pk=partly.pk).stage_events.filter(stage="shipped").exists()
    assert SalesOrder.objects.get(pk=draft.pk).state == "draft"


@pytest.mark.parametrize(
    "body",
    [
        {"orders": []},
        {"orders": list(range(1, 1002))},
        {"orders": "all"},
        {"orders": [0]},
    ],
    ids=["empty", "over-limit", "not-a-list", "bad-id"],
)
def test_a_malformed_batch_answers_422_and_writes_nothing(api, books, confirmed, body):
    confirmed(1)
    before = written(books)
    answer = api.post(URL, body)
    assert answer.status_code == 422, answer.content
    assert written(books) == before


def test_the_same_order_twice_answers_422_and_writes_nothing(api, books, confirmed):
    (order,) = confirmed(1)
    before = written(books)
    answer = api.post(URL, {"orders": [order.pk, order.pk]})
    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "sales.batch_duplicate"
    assert written(books) == before


def test_shipping_in_a_batch_takes_a_fixed_number_of_statements_plus_few_per_order(
    books, confirmed
):
    """Statement budget of the batch ship, measured at 10 and at 20 orders. What each
    further order still costs: the posted stock entry of its delivery (one per delivery, as
    the books show), the events of its moves and delivery, the `transfer_before_done` hook
    and the refresh of its statuses (88 statements per order one at a time)."""
    counts = {}
    for n in (10, 20):
        orders = confirmed(n, qty="1")
        with CaptureQueriesContext(connection) as queries:
            answers = services.sales_orders_ship(company=books, orders=[o.pk for o in orders])
        assert all(error is None for _o, error in answers)
        counts[n] = len(queries.captured_queries)
    per_order = (counts[20] - counts[10]) / 10
    fixed = counts[10] - 10 * per_order
    assert per_order <= PER_ORDER, counts
    assert fixed <= FIXED, counts


PER_ORDER = 56  # 3-line orders in bench conditions: 56
FIXED = 40
