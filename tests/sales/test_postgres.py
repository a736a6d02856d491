"""Concurrent intake and competing confirmations (PostgreSQL: row locks are real there)."""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client

from tandem.core.services import token_create
from tandem.inventory.models import StockLevel
from tandem.sales import services
from tandem.sales.models import OrderException, OrderStageEvent, SalesOrder

D = Decimal
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _together(workers, work):
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results.append(work(index))
        except Exception as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _post(raw, company, body, key=None):
    headers = {"Authorization": f"Bearer {raw}", "X-Company": company.code}
    if key:
        headers["Idempotency-Key"] = key
    response = Client().post(
        "/api/v1/sales-orders", json.dumps(body), content_type="application/json", headers=headers
    )
    return response.status_code, response.json()


def test_concurrent_retries_with_one_key_make_one_order(owner, books, customer, make_product):
    product = make_product("100")
    _token, raw = token_create(user=owner)
    body = {"party": customer.pk, "lines": [{"product": product.pk, "quantity": "2"}]}

    results, errors = _together(8, lambda n: _post(raw, books, body, key="order-77"))

    assert errors == []
    assert SalesOrder.objects.count() == 1
    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409} and 201 in statuses
    assert {b["id"] for s, b in results if s == 201} == {SalesOrder.objects.get().pk}
    assert all(b["code"] == "idempotency.in_progress" for s, b in results if s == 409)


def test_concurrent_intake_of_one_channel_reference_makes_one_order(
    owner, books, customer, make_product
):
    product = make_product("100")
    _token, raw = token_create(user=owner)
    body = {
        "party": customer.pk,
        "channel": "shop",
        "external_reference": "WEB-9",
        "lines": [{"product": product.pk}],
    }

    results, errors = _together(6, lambda n: _post(raw, books, body))

    assert errors == []
    order = SalesOrder.objects.get()
    assert sorted(s for s, _ in results) == [201, 409, 409, 409, 409, 409]
    assert all(
        (b["code"], b["existing_id"]) == ("sales.duplicate_reference", order.pk)
        for s, b in results
        if s == 409
    )


def test_twenty_orders_compete_for_ten_units(books, customer, make_product, stock_in, wh):
    # given 10 units and 20 quotations of 1 unit each
    product = make_product("100")
    stock_in(product, 10)
    orders = [
        services.sales_order_create(
            company=books, party=customer, lines=[{"product": product, "quantity": D(1)}]
        )
        for _ in range(20)
    ]

    # when all 20 are confirmed at once
    results, errors = _together(20, lambda n: services.sales_order_confirm(order=orders[n]).pk)

    # then all confirm, exactly 10 are allocated and 10 wait with a stock shortage
    assert errors == []
    assert len(results) == 20
    assert SalesOrder.objects.filter(state="confirmed").count() == 20
    assert OrderStageEvent.objects.filter(stage="allocated").count() == 10
    assert OrderException.objects.filter(kind="stock_shortage", state="open").count() == 10
    level = StockLevel.objects.get(product=product, location=wh.stock_location)
    assert (level.on_hand, level.reserved) == (D(10), D(10))
    numbers = sorted(SalesOrder.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 20
