"""Channel intake: POST /sales-orders/batch and `sales_orders_intake` (issue 20)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.core.models import SequenceNumber
from tandem.inventory.models import StockLevel
from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.models import OrderState, SalesOrder, SalesOrderLine

from .conftest import D

pytestmark = pytest.mark.django_db

URL = "/sales-orders/batch"


@pytest.fixture
def goods(make_product, stock_in):
    products = [make_product(price) for price in ("100", "250", "40")]
    for product in products:
        stock_in(product, 100)
    return products


def order(customer, products, ref, quantities=("2", "1"), **extra):
    return {
        "party": customer.pk,
        "channel": "tmall",
        "external_reference": ref,
        "lines": [
            {"product": p.pk, "quantity": q} for p, q in zip(products, quantities, strict=False)
        ],
        **extra,
    }


def rows_of(company):
    return (
        SalesOrder.objects.filter(company=company).count(),
        SalesOrderLine.objects.filter(company=company).count(),
    )


def test_good_orders_land_and_bad_ones_come_back_with_their_codes(
    api, books, customer, goods, other_company
):
    # given a batch of three good orders and four bad ones
    stranger = Party.objects.create(company=other_company, name="Not ours", currency_id="USD")
    batch = [
        order(customer, goods, "T-1"),
        order(customer, goods, "T-2", ("1", "1")),
        {**order(customer, goods, "T-3"), "lines": [{"product": 999_999, "quantity": "1"}]},
        order(customer, goods, "T-1", ("5",)),  # the same reference again in this batch
        {**order(customer, goods, "T-5"), "party": stranger.pk},  # another company's
        order(customer, goods, "T-6", ("0",)),  # a quantity of zero
        order(customer, goods, "T-7", ("3", "3")),
    ]
    # when it is posted
    answer = api.post(URL, {"orders": batch})
    # then the good ones are quotations numbered in the order sent, the bad ones errors
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["created"], body["existing"], body["failed"]) == (3, 0, 4)
    results = body["results"]
    assert [r["status"] for r in results] == [
        "created",
        "created",
        "error",
        "error",
        "error",
        "error",
        "created",
    ]
    errors = {r["index"]: (r["error"]["code"], r["error"]["field"]) for r in results if r["error"]}
    assert errors == {
        2: ("reference.invalid", "orders.2.lines.0.product"),
        3: ("sales.batch_duplicate_ref", "orders.3.external_reference"),
        4: ("reference.invalid", "orders.4.party"),
        5: ("validation.min_value", "orders.5.lines.0.quantity"),
    }
    numbers = [r["quotation_number"] for r in results if r["status"] == "created"]
    year = SalesOrder.objects.get(pk=results[0]["id"]).order_date.year
    assert numbers == [f"SQ/{year}/00001", f"SQ/{year}/00002", f"SQ/{year}/00003"]
    # ... and nothing of a bad order was written: three orders, their lines, three numbers
    assert rows_of(books) == (3, 6)
    assert set(
        SalesOrder.objects.filter(company=books).values_list("external_reference", flat=True)
    ) == {"T-1", "T-2", "T-7"}
    assert SequenceNumber.objects.filter(company=books, value__startswith="SQ/").count() == 3
    first = SalesOrder.objects.get(pk=results[0]["id"])
    assert first.state == OrderState.DRAFT
    # 2 x 100 + 1 x 250, 13 % VAT on top
    assert (first.untaxed_amount, first.tax_amount, first.total_amount) == (
        D("450.00"),
        D("58.50"),
        D("508.50"),
    )
    assert D(results[0]["total_amount"]) == D("508.50")


def test_a_resent_order_is_answered_and_a_changed_one_refused(api, books, customer, goods):
    # given a batch that landed
    first = api.post(
        URL, {"orders": [order(customer, goods, "R-1"), order(customer, goods, "R-2")]}
    )
    assert first.status_code == 200
    ids = [r["id"] for r in first.json()["results"]]
    before = rows_of(books)
    # when the same orders are sent again, one of them with another quantity
    again = api.post(
        URL,
        {
            "orders": [
                order(customer, goods, "R-1"),
                order(customer, goods, "R-2", ("9", "1")),
                order(customer, goods, "R-3"),
            ]
        },
    )
    # then the identical one answers with the first, the changed one is refused, a new one lands
    assert again.status_code == 200
    results = again.json()["results"]
    assert [r["status"] for r in results] == ["existing", "error", "created"]
    assert results[0]["id"] == ids[0]
    assert results[1]["error"]["code"] == "sales.batch_ref_conflict"
    assert results[1]["error"]["existing_id"] == ids[1]
    assert rows_of(books) == (before[0] + 1, before[1] + 2)
    assert SalesOrderLine.objects.get(order_id=ids[1], product=goods[0]).quantity == D(2)


def test_quantities_written_differently_are_the_same_order(books, customer, goods):
    # "2" and "2.000" are one quantity: the digest of the body does not tell them apart
    one = services.intake_digest(order(customer, goods, "Q-1", ("2", "1")))
    other = services.intake_digest(order(customer, goods, "Q-1", ("2.000", "1.0")))
    assert one == other
    assert one != services.intake_digest(order(customer, goods, "Q-1", ("2", "2")))


def test_an_oversized_or_malformed_batch_is_refused_whole(api, books, customer, goods):
    too_many = [order(customer, goods, f"O-{i}") for i in range(1001)]
    answer = api.post(URL, {"orders": too_many})
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation.invalid"
    malformed = [order(customer, goods, "M-1"), {**order(customer, goods, "M-2"), "lines": "x"}]
    assert api.post(URL, {"orders": malformed}).status_code == 422
    assert api.post(URL, {"orders": []}).status_code == 422
    no_ref = [{**order(customer, goods, "M-3"), "external_reference": ""}]
    assert api.post(URL, {"orders": no_ref}).status_code == 422
    assert rows_of(books) == (0, 0)


def test_the_service_refuses_more_than_a_thousand(books, customer, goods):
    from tandem.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        services.sales_orders_intake(
            company=books, orders=[order(customer, goods, f"S-{i}") for i in range(1001)]
        )
    assert refused.value.code == "sales.batch_too_large"
    assert rows_of(books) == (0, 0)


def test_confirming_the_batch_numbers_and_reserves_each_order(api, books, customer, goods, wh):
    # when a batch is sent with confirm
    answer = api.post(
        URL,
        {
            "orders": [order(customer, goods, "C-1"), order(customer, goods, "C-2", ("3", "4"))],
            "confirm": True,
        },
    )
    # then both are confirmed, numbered in order, and their stock reserved
    assert answer.status_code == 200, answer.content
    results = answer.json()["results"]
    year = SalesOrder.objects.get(pk=results[0]["id"]).order_date.year
    assert [(r["state"], r["number"]) for r in results] == [
        ("confirmed", f"SO/{year}/00001"),
        ("confirmed", f"SO/{year}/00002"),
    ]
    reserved = {
        row.product_id: row.reserved
        for row in StockLevel.objects.filter(product__in=goods[:2], location__usage="internal")
    }
    assert reserved == {goods[0].pk: D(5), goods[1].pk: D(5)}


def test_the_intake_reads_a_fixed_number_of_times_whatever_the_batch_size(books, customer, goods):
    # set-based: 5 orders and 40 orders of one customer cost the same statements, but for
    # the inserts SQLite splits at its limit of bound variables (one more per ~30 orders)
    def spent(prefix, n):
        with CaptureQueriesContext(connection) as queries:
            results = services.sales_orders_intake(
                company=books, orders=[order(customer, goods, f"{prefix}-{i}") for i in range(n)]
            )
        assert [r.status for r in results] == ["created"] * n
        return len(queries.captured_queries)

    spent("W", 2)  # per-company rows made on first use
    few, many = spent("F", 5), spent("M", 40)
    assert many <= few + 3
    assert many <= 24
