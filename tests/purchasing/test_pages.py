"""Purchasing pages: home, order list + export, the RFQ form, the order page and its actions,
supplier prices, reorder rules, replenishment."""

from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounting.models import Invoice
from tandem.core.services import membership_grant
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrder, ReorderRule, SupplierPrice
from tests.factories import UserFactory

D = Decimal


@pytest.fixture
def order(company, supplier, warehouse, widget):
    return services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10", "unit_price": "8.00"}],
    )


def test_home_and_list(web, order):
    home = web.get("/purchasing/")
    assert home.status_code == 200
    assert "RFQs to send" in home.content.decode()
    listing = web.get("/purchasing/orders/", {"state": "draft"})
    assert listing.status_code == 200
    assert f"/purchasing/orders/{order.pk}/" in listing.content.decode()
    empty = web.get("/purchasing/orders/", {"state": "done"}, headers={"HX-Request": "true"})
    assert "No orders match." in empty.content.decode()


def test_export_csv_and_xlsx(web, order):
    csv = web.get("/purchasing/orders/", {"format": "csv"})
    body = b"".join(csv.streaming_content).decode("utf-8-sig")
    header, row = body.strip().splitlines()
    assert header.startswith("number,state,supplier")
    assert row.endswith(",80.00,10.40,90.40")
    xlsx = web.get("/purchasing/orders/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_create_an_rfq_through_the_form(web, supplier, warehouse, widget, vat13, today):
    page = web.get("/purchasing/orders/new/")
    assert page.status_code == 200
    # the line editor: one blank row and the template the Add line button copies
    html = page.content.decode()
    assert "data-line-template" in html and 'name="lines-__key__-product"' in html
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "order_date": today.isoformat(),
        "lines-a1-product": widget.pk,
        "lines-a1-quantity": "3",
        "lines-a1-unit_price": "10",
        "lines-a1-discount": "0",
        "lines-a1-taxes": [vat13.pk],
    }
    totals = web.post("/purchasing/orders/totals/", data, headers={"HX-Request": "true"})
    assert "33.90" in totals.content.decode()
    response = web.post("/purchasing/orders/new/", data)
    order = PurchaseOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/purchasing/orders/{order.pk}/"
    assert (order.untaxed_amount, order.total_amount) == (D("30.00"), D("33.90"))


def test_form_refusal_rerenders_and_saves_nothing(web, supplier, warehouse, widget, today):
    response = web.post(
        "/purchasing/orders/new/",
        {
            "supplier": supplier.pk,
            "warehouse": warehouse.pk,
            "order_date": today.isoformat(),
            "lines-a1-product": widget.pk,
            "lines-a1-quantity": "-3",
        },
    )
    assert response.status_code == 422
    row = response.context["editor"]["rows"][0]
    assert row["errors"]["quantity"] == "Enter a positive quantity."
    assert 'value="-3"' in response.content.decode()  # what was typed is kept
    assert not PurchaseOrder.objects.exists()


def test_order_page_actions_confirm_receive_bill(web, order):
    detail = f"/purchasing/orders/{order.pk}/"
    assert web.get(detail).status_code == 200
    assert web.post(detail + "confirm/").status_code == 302
    assert web.post(detail + "receive/").status_code == 302
    response = web.post(detail + "bill/", {"policy": "received"}, follow=True)
    assert "Draft vendor bill created." in response.content.decode()
    order.refresh_from_db()
    assert order.state == "confirmed"
    bill = Invoice.objects.get()
    page = web.get(detail).content.decode()
    assert str(bill) in page
    # a refused action says why and changes nothing
    response = web.post(detail + "cancel/", follow=True)
    assert "goods were received" in response.content.decode()
    order.refresh_from_db()
    assert order.state == "confirmed"


def test_three_way_match_warning_shows_on_the_order(web, order):
    line = order.lines.get()
    services.purchase_order_confirm(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "4"})
    services.purchase_order_bill(order=order, policy="ordered")
    page = web.get(f"/purchasing/orders/{order.pk}/").content.decode()
    assert "Three-way match" in page
    assert "W-1: billed 10.0000, received 4.000000" in page


def test_supplier_prices_and_rules_pages(
    web, company, supplier, widget, warehouse, django_capture_on_commit_callbacks
):
    assert web.get("/purchasing/supplier-prices/").status_code == 200
    response = web.post(
        "/purchasing/supplier-prices/new/",
        {
            "supplier": supplier.pk,
            "product": widget.pk,
            "price": "7.5",
            "min_quantity": "0",
            "lead_time_days": "2",
        },
    )
    assert response.status_code == 302
    assert SupplierPrice.objects.get().price == D("7.5")
    assert web.get("/purchasing/reorder-rules/new/").status_code == 200
    response = web.post(
        "/purchasing/reorder-rules/new/",
        {
            "product": widget.pk,
            "warehouse": warehouse.pk,
            "min_quantity": "5",
            "max_quantity": "10",
            "multiple": "1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    rule = ReorderRule.objects.get()
    assert web.get("/purchasing/reorder-rules/").status_code == 200
    page = web.get("/purchasing/replenishment/").content.decode()
    assert "forecast 0 &lt; min 5 → order 10 to reach max 10" in page
    with django_capture_on_commit_callbacks(execute=True):  # the run is a job, started on commit
        response = web.post("/purchasing/replenishment/run/")
    order = PurchaseOrder.objects.get()
    assert order.lines.get().reorder_rule_id == rule.pk
    page = web.get(response["Location"]).content.decode()
    assert 'data-state="done"' in page  # the progress partial of the run's job
    assert f'href="/purchasing/orders/{order.pk}/"' in page


def test_pages_need_the_purchasing_permissions(company, order):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["warehouse"])
    client = Client()
    client.force_login(clerk)
    assert client.get("/purchasing/orders/").status_code == 200  # warehouse may look
    assert client.get("/purchasing/orders/new/").status_code == 403
    assert client.post(f"/purchasing/orders/{order.pk}/confirm/").status_code == 403
    order.refresh_from_db()
    assert order.state == "draft"
