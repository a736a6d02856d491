"""The three-way match panel purchasing adds to accounting's vendor bill page."""

from decimal import Decimal

import pytest
from django.test import RequestFactory

from tandem.accounting.models import InvoiceLine
from tandem.accounting.services.invoices import invoice_update
from tandem.core import panels
from tandem.purchasing import services
from tandem.purchasing.models import PurchaseOrderLine
from tandem.purchasing.panels import bill_match

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def received(company, supplier, warehouse, widget, owner):
    """An order of 10 widgets at 8.00, confirmed, 6 received."""
    order = services.purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": "10", "unit_price": "8.00"}],
        user=owner,
    )
    services.purchase_order_confirm(order=order, user=owner)
    line = PurchaseOrderLine.objects.get(order=order)
    services.purchase_order_receive(order=order, quantities={line.pk: "6"})
    order.refresh_from_db()
    return order


def _request(owner):
    request = RequestFactory().get("/")
    request.user = owner
    return request


def test_panel_is_registered_for_the_invoice_page(received, owner):
    bill, _warnings = services.purchase_order_bill(order=received, policy="received")
    html = "".join(panels.render("invoice.detail", _request(owner), bill))
    assert 'id="purchase-match"' in html


def test_bill_matching_order_and_receipt_says_so(received, owner):
    bill, _warnings = services.purchase_order_bill(order=received, policy="received")

    html = bill_match(_request(owner), bill)

    assert received.number in html
    assert f"/orders/{received.pk}/" in html
    assert "warning-box" not in html
    assert "matches the orders" in html


def test_bill_with_another_price_and_more_than_received_shows_both_warnings(
    received, owner, widget
):
    bill, _warnings = services.purchase_order_bill(order=received, policy="ordered")
    (line,) = InvoiceLine.objects.filter(invoice=bill)
    invoice_update(
        invoice=bill,
        lines=[
            {
                "product": widget,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": D("8.50"),
                "account": line.account,
                "origin_line": line.origin_line,
            }
        ],
    )

    html = bill_match(_request(owner), bill)

    assert 'data-kind="price"' in html
    assert "W-1: billed at 8.50" in html
    assert 'data-kind="not_received"' in html
    assert "W-1: billed 10.000000, received 6.000000" in html or "received 6" in html


def test_no_panel_for_customer_invoices_or_bills_without_an_order(received, owner, company):
    bill, _warnings = services.purchase_order_bill(order=received, policy="received")
    bill.kind = "customer_invoice"
    assert bill_match(_request(owner), bill) is None
    bill.kind = "vendor_bill"
    InvoiceLine.objects.filter(invoice=bill).update(origin_line="")
    assert bill_match(_request(owner), bill) is None
