"""/returns over the API: create, receive, refund; refusals are problems, nothing written."""

from decimal import Decimal

import pytest

from tandem.accounting.services.payments import payment_create, payment_post
from tandem.sales import services
from tandem.sales.models import SalesReturn

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(make_product, order_of, stock_in):
    a = make_product("100")
    stock_in(a, 10, unit_cost="60")
    order = services.sales_order_confirm(order=order_of((a, 4)))
    services.delivery_step(order=order, step="ship")
    invoice = services.sales_order_invoice(orders=[order], post=True)
    return order, invoice


def test_return_receive_refund_through_the_api(api, shipped):
    order, invoice = shipped
    payment_post(
        payment=payment_create(
            company=invoice.company,
            direction="in",
            party=invoice.party,
            amount=invoice.total_amount,
            date=invoice.date,
            allocations=[(invoice, invoice.total_amount)],
        )
    )
    line = order.lines.get()
    created = api.post(
        "/returns",
        {
            "order": order.pk,
            "reason": "wrong colour",
            "lines": [{"order_line": line.pk, "quantity": "2"}],
        },
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["state"], data["order_number"], data["lines"][0]["quantity"]) == (
        "draft",
        order.number,
        "2.0000",
    )
    received = api.post(f"/returns/{data['id']}/receive")
    assert received.status_code == 200, received.content
    assert received.json()["state"] == "received"
    assert received.json()["credit_note"] and received.json()["transfer"]
    refunded = api.post(f"/returns/{data['id']}/refund", {})
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["state"] == "refunded" and refunded.json()["refund"]
    listed = api.get("/returns", {"order": order.pk})
    assert listed.json()["count"] == 1
    assert api.get(f"/returns/{data['id']}").json()["number"] == data["number"]


def test_refusals_answer_problems_and_write_nothing(api, shipped, other_company):
    order, _invoice = shipped
    line = order.lines.get()
    too_many = api.post(
        "/returns", {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "5"}]}
    )
    assert (too_many.status_code, too_many.json()["code"]) == (409, "return.quantity_exceeded")
    for body, status in (
        ({"order": order.pk, "lines": []}, 422),
        ({"order": order.pk, "lines": [{"order_line": 999999, "quantity": "1"}]}, 422),
        ({"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "-1"}]}, 422),
        ({"order": 999999, "lines": [{"order_line": line.pk, "quantity": "1"}]}, 422),
    ):
        answer = api.post("/returns", body)
        assert answer.status_code == status, (body, answer.content)
    assert SalesReturn.objects.count() == 0
    draft = api.post(
        "/returns", {"order": order.pk, "lines": [{"order_line": line.pk, "quantity": "1"}]}
    ).json()
    # refund before receiving, and nothing paid at all
    early = api.post(f"/returns/{draft['id']}/refund", {})
    assert (early.status_code, early.json()["code"]) == (409, "return.invalid_transition")
    api.post(f"/returns/{draft['id']}/receive")
    unpaid = api.post(f"/returns/{draft['id']}/refund", {})
    assert (unpaid.status_code, unpaid.json()["code"]) == (409, "return.nothing_to_refund")
    assert api.get("/returns/999999").status_code == 404
