"""Issue 5's done-when: one order for three stocked products goes from quotation to paid, once
only through the REST API and once only through the pages, and after every step the order,
the customer, the trial balance and the fulfilment dashboard agree.

Figures (PRC chart, 13% VAT excluded, FIFO):
  2 x 100.00 + 3 x 50.00 + 5 x 20.00 = 450.00 untaxed, 58.50 VAT, 508.50 total;
  cost 2 x 60 + 3 x 40 + 5 x 10 = 290.00; stock received 10 of each = 1,100.00.
"""

import re
from datetime import date
from decimal import Decimal as D
from functools import partial

import pytest

from tandem.accounting.models import Invoice
from tandem.core.integrity import run_all
from tandem.sales.models import SalesOrder

from .conftest import LINES

pytestmark = pytest.mark.django_db

YEAR = date.today().year
TODAY = date.today().isoformat()

# account code -> balance (debit - credit) after each step
RECEIVED = {"1405": "1100.00", "220201": "-1100.00"}
SHIPPED = {**RECEIVED, "1405": "810.00", "6401": "290.00"}
INVOICED = {**SHIPPED, "1122": "508.50", "6001": "-450.00", "222102": "-58.50"}
PAID = {**INVOICED, "1122": "0.00", "1002": "508.50"}


def _tb(api) -> dict[str, D]:
    report = api.get("/reports/trial-balance", {"date_to": f"{YEAR}-12-31"}).json()
    assert report["totals"]["debit"] == report["totals"]["credit"]
    return {row["account"]: D(row["balance"]) for row in report["rows"]}


def _assert_books(balances: dict[str, D], expected: dict[str, str]):
    for code in ("1405", "220201", "6401", "1122", "6001", "222102", "1002"):
        assert balances.get(code, D("0")) == D(expected.get(code, "0")), code
    assert sum(balances.values()) == 0


def _reached(report) -> dict[str, int]:
    return {row["stage"]: row["reached"] for row in report["rows"]}


def test_quotation_to_paid_through_the_api(api, shop, committed):
    post = partial(committed, api.post)
    customer, products = shop["customer"], shop["products"]
    created = post(
        "/sales-orders",
        {
            "party": customer.pk,
            "lines": [
                {"product": p.pk, "quantity": str(qty)}
                for p, (*_, qty) in zip(products, LINES, strict=True)
            ],
        },
    )
    assert created.status_code == 201, created.content
    order = created.json()
    oid = order["id"]
    assert (order["untaxed_amount"], order["tax_amount"], order["total_amount"]) == (
        "450.00",
        "58.50",
        "508.50",
    )
    _assert_books(_tb(api), RECEIVED)

    assert post(f"/sales-orders/{oid}/send").json()["state"] == "sent"
    confirmed = post(f"/sales-orders/{oid}/confirm").json()
    assert (confirmed["state"], confirmed["delivery_status"]) == ("confirmed", "pending")
    levels = api.get("/stock/levels", {"product": products[0].pk}).json()["items"]
    assert sum(D(level["reserved"]) for level in levels) == D("2")
    assert _reached(api.get("/reports/order-fulfilment").json())["allocated"] == 1
    _assert_books(_tb(api), RECEIVED)

    for step in ("pick", "pack"):
        assert post(f"/sales-orders/{oid}/{step}").status_code == 200
    shipped = post(f"/sales-orders/{oid}/ship", {"carrier": "SF", "tracking_reference": "9"})
    assert shipped.json()["delivery_status"] == "delivered"
    fulfilment = _reached(api.get("/reports/order-fulfilment").json())
    assert (fulfilment["picked"], fulfilment["packed"], fulfilment["shipped"]) == (1, 1, 1)
    _assert_books(_tb(api), SHIPPED)

    invoiced = post(f"/sales-orders/{oid}/invoice", {"post": True}).json()
    assert invoiced["invoice_status"] == "invoiced"
    invoice_id = invoiced["invoices"][0]
    invoice_id = invoice_id["id"] if isinstance(invoice_id, dict) else invoice_id
    invoice = api.get(f"/invoices/{invoice_id}").json()
    assert (invoice["state"], invoice["total_amount"]) == ("posted", "508.50")
    _assert_books(_tb(api), INVOICED)
    overview = api.get(f"/parties/{customer.pk}/overview").json()
    assert D(str(overview["open_balance"])) == D("508.50")

    payment = post(
        "/payments",
        {
            "party": customer.pk,
            "direction": "in",
            "amount": "508.50",
            "date": TODAY,
            "allocations": [{"invoice": invoice_id, "amount": "508.50"}],
        },
    )
    assert payment.status_code == 201, payment.content
    assert post(f"/payments/{payment.json()['id']}/post").status_code == 200
    _assert_books(_tb(api), PAID)
    final = api.get(f"/sales-orders/{oid}").json()
    assert (final["delivery_status"], final["invoice_status"], final["payment_status"]) == (
        "delivered",
        "invoiced",
        "paid",
    )
    overview = api.get(f"/parties/{customer.pk}/overview").json()
    assert D(str(overview["open_balance"])) == D("0")
    assert run_all().ok, run_all().render()


def _text(web, url, params=None) -> str:
    response = web.get(url, params or {})
    assert response.status_code == 200, url
    return re.sub(r"\s+", " ", response.content.decode())


def _page_books(web, expected: dict[str, str]):
    response = web.get(
        "/accounting/reports/trial-balance/",
        {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31"},
    )
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    for amount in expected.values():
        if D(amount):
            assert f"{abs(D(amount)):,.2f}" in text, amount


def _dashboard(web) -> dict[str, int]:
    response = web.get("/sales/")
    assert response.status_code == 200
    return {row["stage"]: row["reached"] for row in response.context["report"]["rows"]}


def _post(web, url, data=None):
    response = web.post(url, data or {})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def test_quotation_to_paid_through_the_pages(web, shop, committed):
    post = partial(committed, _post, web)
    customer, products = shop["customer"], shop["products"]
    form = {
        "party": customer.pk,
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "action": "save",
    }
    for index, (product, (*_, qty)) in enumerate(zip(products, LINES, strict=True)):
        form.update(
            {
                f"lines-{index}-product": product.pk,
                f"lines-{index}-quantity": str(qty),
                f"lines-{index}-discount": "0",
            }
        )
    post("/sales/orders/new/", form)
    order = SalesOrder.objects.get()
    page = f"/sales/orders/{order.pk}/"
    assert "508.50" in _text(web, page)
    _page_books(web, RECEIVED)

    post(f"{page}send/")
    post(f"{page}confirm/")
    order.refresh_from_db()
    assert order.state == "confirmed" and order.number in _text(web, page)
    assert _dashboard(web)["allocated"] == 1

    for step in ("pick", "pack", "ship"):
        post(f"{page}{step}/")
    order.refresh_from_db()
    assert order.delivery_status == "delivered"
    assert _dashboard(web)["shipped"] == 1
    _page_books(web, SHIPPED)

    post(f"{page}invoice/")
    invoice = Invoice.objects.get()
    post(f"/accounting/invoices/{invoice.pk}/post/")
    invoice.refresh_from_db()
    assert invoice.state == "posted" and invoice.total_amount == D("508.50")
    assert invoice.number in _text(web, page)
    _page_books(web, INVOICED)
    party = web.get(f"/parties/{customer.pk}/").content.decode()
    assert re.search(r'data-testid="receivable">([^<]*)<', party).group(1).split()[0] == "508.50"
    assert order.number in party  # the customer page lists its orders

    journal = web.get(f"/accounting/payments/new/?invoice={invoice.pk}").context["form"]
    post(
        "/accounting/payments/new/",
        {
            "party": customer.pk,
            "direction": "in",
            "journal": journal.initial["journal"].pk,
            "amount": "508.50",
            "date": TODAY,
            "currency": "CNY",
            f"alloc-{invoice.pk}": "508.50",
            "post": "1",
        },
    )
    _page_books(web, PAID)
    order.refresh_from_db()
    assert (order.invoice_status, order.payment_status) == ("invoiced", "paid")
    party = web.get(f"/parties/{customer.pk}/").content.decode()
    assert re.search(r'data-testid="receivable">([^<]*)<', party).group(1).split()[0] == "0.00"
    assert run_all().ok, run_all().render()
