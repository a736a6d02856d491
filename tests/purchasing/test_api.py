"""The purchasing API: /purchase-orders, /supplier-prices, /reorder-rules, /replenishment/run."""

from decimal import Decimal

import pytest

from tandem.accounting.models import Invoice
from tandem.core.services import company_create, membership_grant
from tandem.inventory.models import Transfer
from tandem.purchasing.models import PurchaseOrder, SupplierPrice
from tests.factories import UserFactory

D = Decimal


@pytest.fixture
def rfq(api, supplier, warehouse, widget, vat13):
    response = api.post(
        "/purchase-orders",
        {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "lines": [{"product": widget.pk, "quantity": "10", "unit_price": "8.00"}],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_create_read_and_totals(api, rfq, widget, vat13):
    assert rfq["state"] == "draft" and rfq["number"] is None
    assert (rfq["untaxed_amount"], rfq["tax_amount"], rfq["total_amount"]) == (
        "80.00",
        "10.40",
        "90.40",
    )
    (line,) = rfq["lines"]
    assert line["product"] == widget.pk and line["taxes"] == [vat13.pk]
    assert (line["quantity"], line["received_quantity"], line["billed_quantity"]) == (
        "10.000000",
        "0.000000",
        "0.000000",
    )
    assert (rfq["receipt_status"], rfq["billing_status"]) == ("nothing", "nothing")
    assert rfq["transfers"] == [] and rfq["invoices"] == []
    assert api.get(f"/purchase-orders/{rfq['id']}").json() == rfq


def test_confirm_receive_bill_through_the_api(api, rfq):
    pk = rfq["id"]
    confirmed = api.post(f"/purchase-orders/{pk}/confirm").json()
    assert confirmed["state"] == "confirmed" and confirmed["number"].startswith("PO/")
    (transfer_id,) = confirmed["transfers"]
    assert Transfer.objects.get(pk=transfer_id).state == "confirmed"

    line_id = confirmed["lines"][0]["id"]
    received = api.post(
        f"/purchase-orders/{pk}/receive", {"lines": [{"id": line_id, "quantity": "6"}]}
    ).json()
    assert received["receipt_status"] == "partial"
    assert received["lines"][0]["received_quantity"] == "6.000000"
    assert len(received["transfers"]) == 2

    billed = api.post(f"/purchase-orders/{pk}/bill", {"policy": "ordered"})
    assert billed.status_code == 200, billed.content
    body = billed.json()
    (invoice_id,) = body["invoices"]
    assert Invoice.objects.get(pk=invoice_id).lines.get().quantity == D("10")
    assert body["billing_status"] == "full"
    assert [w["kind"] for w in body["warnings"]] == ["not_received"]


def test_refusals_are_problems_with_stable_codes(api, rfq, supplier, warehouse):
    pk = rfq["id"]
    empty = api.post("/purchase-orders", {"supplier": supplier.pk, "warehouse": warehouse.pk})
    refused = api.post(f"/purchase-orders/{empty.json()['id']}/confirm")
    assert refused.status_code == 422
    assert refused["Content-Type"].startswith("application/problem+json")
    assert refused.json()["code"] == "purchase.no_lines"

    negative = api.patch(
        f"/purchase-orders/{pk}",
        {"lines": [{"product": rfq["lines"][0]["product"], "quantity": "-2"}]},
    )
    assert (negative.status_code, negative.json()["code"]) == (422, "validation.min_value")
    assert api.get(f"/purchase-orders/{pk}").json()["lines"][0]["quantity"] == "10.000000"

    api.post(f"/purchase-orders/{pk}/confirm")
    over = api.post(
        f"/purchase-orders/{pk}/bill", {"lines": [{"id": rfq["lines"][0]["id"], "quantity": "1"}]}
    )
    assert (over.status_code, over.json()["code"]) == (409, "purchase.overbilled")
    assert Invoice.objects.count() == 0

    api.post(f"/purchase-orders/{pk}/cancel")
    receive = api.post(f"/purchase-orders/{pk}/receive")
    assert (receive.status_code, receive.json()["code"]) == (409, "purchase.cancelled")
    patch = api.patch(f"/purchase-orders/{pk}", {"notes": "late"})
    assert (patch.status_code, patch.json()["code"]) == (409, "purchase.not_draft")
    delete = api.delete(f"/purchase-orders/{pk}")
    assert (delete.status_code, delete.json()["code"]) == (409, "purchase.not_draft")


def test_cancel_after_receipt_is_refused(api, rfq):
    pk = rfq["id"]
    api.post(f"/purchase-orders/{pk}/confirm")
    api.post(f"/purchase-orders/{pk}/receive")
    refused = api.post(f"/purchase-orders/{pk}/cancel")
    assert (refused.status_code, refused.json()["code"]) == (409, "purchase.received")
    assert PurchaseOrder.objects.get(pk=pk).state == "confirmed"


def test_delete_a_draft(api, rfq):
    assert api.delete(f"/purchase-orders/{rfq['id']}").status_code == 204
    assert not PurchaseOrder.objects.exists()


def test_list_filters_and_query_count(
    api, rfq, supplier, warehouse, widget, django_assert_max_num_queries
):
    for _ in range(4):
        api.post(
            "/purchase-orders",
            {
                "supplier": supplier.pk,
                "warehouse": warehouse.pk,
                "lines": [
                    {"product": widget.pk, "quantity": "1"},
                    {"product": widget.pk, "quantity": "2"},
                ],
            },
        )
    api.post(f"/purchase-orders/{rfq['id']}/confirm")
    with django_assert_max_num_queries(12):
        page = api.get("/purchase-orders", {"limit": 50}).json()
    assert page["count"] == 5
    confirmed = api.get("/purchase-orders", {"state": "confirmed"}).json()
    assert [o["id"] for o in confirmed["items"]] == [rfq["id"]]


def test_other_companies_orders_do_not_exist(api, api_as, rfq):
    other = company_create(code="ZZ", name="Zed")
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other, roles=["owner"])
    client = api_as(stranger, other)
    assert client.get(f"/purchase-orders/{rfq['id']}").status_code == 404
    assert client.get("/purchase-orders").json()["count"] == 0


def test_supplier_prices_crud(api, supplier, widget):
    created = api.post(
        "/supplier-prices",
        {"supplier": supplier.pk, "product": widget.pk, "price": "7.25", "lead_time_days": 4},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["price"], body["currency"], body["lead_time_days"]) == ("7.250000", "CNY", 4)
    patched = api.patch(f"/supplier-prices/{body['id']}", {"min_quantity": "50"}).json()
    assert patched["min_quantity"] == "50.000000"
    bad = api.post(
        "/supplier-prices", {"supplier": supplier.pk, "product": widget.pk, "price": "-1"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "validation.min_value")
    assert api.get("/supplier-prices", {"product": widget.pk}).json()["count"] == 1
    assert api.delete(f"/supplier-prices/{body['id']}").status_code == 204
    assert not SupplierPrice.objects.exists()


def test_reorder_rules_and_replenishment_run(api, supplier, widget, warehouse):
    api.post("/supplier-prices", {"supplier": supplier.pk, "product": widget.pk, "price": "8"})
    rule = api.post(
        "/reorder-rules",
        {
            "product": widget.pk,
            "warehouse": warehouse.pk,
            "min_quantity": "10",
            "max_quantity": "25",
            "multiple": "10",
        },
    )
    assert rule.status_code == 201, rule.content
    dup = api.post(
        "/reorder-rules",
        {"product": widget.pk, "warehouse": warehouse.pk, "min_quantity": "1", "max_quantity": "2"},
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "reorder_rule.duplicate")

    run = api.post("/replenishment/run", {})
    assert run.status_code == 200, run.content
    body = run.json()
    assert body["count"] == 1
    (order,) = body["items"]
    assert (order["state"], order["supplier"]) == ("draft", supplier.pk)
    assert order["lines"][0]["quantity"] == "30.000000"
    (suggestion,) = body["suggestions"]
    assert suggestion["reason"] == "forecast 0 < min 10 → order 30 to reach max 25"
    assert suggestion["order"] == order["id"]

    again = api.post("/replenishment/run").json()
    assert [o["id"] for o in again["items"]] == [order["id"]]
    assert PurchaseOrder.objects.count() == 1
    assert (
        api.patch(f"/reorder-rules/{rule.json()['id']}", {"active": False}).json()["active"]
        is False
    )
    assert api.delete(f"/reorder-rules/{rule.json()['id']}").status_code == 204


def test_a_done_order_cannot_be_confirmed_again(api, rfq, django_capture_on_commit_callbacks):
    # received and billed in full, the order is done; confirming it again would order it twice
    pk = rfq["id"]
    line_id = api.post(f"/purchase-orders/{pk}/confirm").json()["lines"][0]["id"]
    api.post(f"/purchase-orders/{pk}/receive", {"lines": [{"id": line_id, "quantity": "10"}]})
    (bill_id,) = api.post(f"/purchase-orders/{pk}/bill", {"policy": "received"}).json()["invoices"]
    with django_capture_on_commit_callbacks(execute=True):  # the order follows its bill
        assert api.post(f"/invoices/{bill_id}/post").status_code == 200
    done = api.get(f"/purchase-orders/{pk}").json()
    assert done["state"] == "done"
    transfers, bills = Transfer.objects.count(), Invoice.objects.count()

    again = api.post(f"/purchase-orders/{pk}/confirm")

    assert again.status_code == 409, again.content
    assert again.json()["code"] == "purchase.invalid_transition"
    after = api.get(f"/purchase-orders/{pk}").json()
    assert (after["state"], after["transfers"], after["invoices"]) == (
        "done",
        done["transfers"],
        done["invoices"],
    )
    assert (Transfer.objects.count(), Invoice.objects.count()) == (transfers, bills)
    # and nothing is left to bill a second time
    assert api.post(f"/purchase-orders/{pk}/bill", {"policy": "received"}).status_code in (
        409,
        422,
    )
    assert Invoice.objects.count() == bills


def test_an_order_naming_no_warehouse_goes_to_the_default_not_the_first_by_code(
    api, supplier, warehouse, widget
):
    # a warehouse whose code sorts first does not take the company's orders over
    api.post("/warehouses", {"code": "0", "name": "Overflow"})
    order = api.post(
        "/purchase-orders",
        {"supplier": supplier.pk, "lines": [{"product": widget.pk, "quantity": "1"}]},
    )
    assert order.status_code == 201, order.content
    assert order.json()["warehouse"] == warehouse.pk
