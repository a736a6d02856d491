"""Issue 3's done-when, end to end: a new PRC-chart company invoices 10 × 100.00 + 1 × 50.00
with 13% VAT excluded, is paid 1,000.00 then 186.50 — once only through the pages, once only
through the REST API — and after each step the trial balance, the aged receivables and the
customer page (party panel and 360 overview) show the right figures."""

import re
from datetime import date
from decimal import Decimal as D

import pytest

from tandem.accounting.models import Invoice, Payment
from tandem.core.integrity import run_all

from .test_payments_support import YEAR, tax13

pytestmark = pytest.mark.django_db

AS_OF = f"{YEAR}-04-30"  # the invoice is dated 10 March and due the same day
STEPS = [
    # paid, on, receivable after, bank after, aged bucket
    ("1000.00", f"{YEAR}-04-10", "186.50", "1000.00"),
    ("186.50", f"{YEAR}-04-20", "0.00", "1186.50"),
]


def _tb_rows(api) -> dict[str, str]:
    report = api.get("/reports/trial-balance", {"date_to": f"{YEAR}-12-31"}).json()
    assert report["totals"]["debit"] == report["totals"]["credit"]
    return {row["account"]: row["balance"] for row in report["rows"]}


def _api_books(api, customer, *, receivable: str, bank: str):
    balances = _tb_rows(api)
    assert D(balances.get("1122", "0")) == D(receivable)
    assert D(balances["6001"]) == D("-1050.00")
    assert D(balances["222102"]) == D("-136.50")
    assert D(balances.get("1002", "0")) == D(bank)
    aged = api.get("/reports/aged-receivables", {"as_of": AS_OF}).json()
    if D(receivable):
        # 51 days past the due date of 10 March on 30 April
        assert aged["rows"] == [
            {
                "party": customer.pk,
                "party_name": customer.name,
                "current": "0.00",
                "1_30": "0.00",
                "31_60": receivable,
                "61_90": "0.00",
                "91_120": "0.00",
                "over_120": "0.00",
                "total": receivable,
            }
        ]
    else:
        assert aged["rows"] == []
    overview = api.get(f"/parties/{customer.pk}/overview").json()
    assert D(str(overview["open_balance"])) == D(receivable)


def test_done_when_through_the_api_only(api, chart, customer):
    created = api.post(
        "/invoices",
        {
            "kind": "customer_invoice",
            "party": customer.pk,
            "date": f"{YEAR}-03-10",
            "lines": [
                {"description": "Widget", "quantity": "10", "unit_price": "100.00",
                 "taxes": [tax13(chart).pk]},
                {"description": "Setup", "quantity": "1", "unit_price": "50.00",
                 "taxes": [tax13(chart).pk]},
            ],
        },
    )  # fmt: skip
    assert created.status_code == 201, created.json()
    posted = api.post(f"/invoices/{created.json()['id']}/post")
    assert posted.status_code == 200, posted.json()
    invoice = posted.json()
    assert (invoice["untaxed_amount"], invoice["tax_amount"], invoice["total_amount"]) == (
        "1050.00",
        "136.50",
        "1186.50",
    )
    assert (invoice["number"], invoice["payment_state"]) == (f"INV/{YEAR}/00001", "not_paid")
    _api_books(api, customer, receivable="1186.50", bank="0.00")

    for paid, on, receivable, bank in STEPS:
        payment = api.post(
            "/payments",
            {
                "party": customer.pk,
                "direction": "in",
                "amount": paid,
                "date": on,
                "allocations": [{"invoice": invoice["id"], "amount": paid}],
            },
        )
        assert payment.status_code == 201, payment.json()
        assert api.post(f"/payments/{payment.json()['id']}/post").status_code == 200
        _api_books(api, customer, receivable=receivable, bank=bank)
        state = api.get(f"/invoices/{invoice['id']}").json()
        assert state["residual_amount"] == receivable

    assert api.get(f"/invoices/{invoice['id']}").json()["payment_state"] == "paid"
    assert run_all().ok, run_all().render()


def _page_text(web, url, params=None) -> str:
    response = web.get(url, params or {})
    assert response.status_code == 200, url
    return re.sub(r"\s+", " ", response.content.decode())


def _web_books(web, customer, *, receivable: str, bank: str):
    tb = _page_text(
        web, "/accounting/reports/trial-balance/", {"date_from": f"{YEAR}-01-01",
                                                     "date_to": f"{YEAR}-12-31"}
    )  # fmt: skip
    assert "1,050.00" in tb and "136.50" in tb
    if D(bank):
        assert f"{D(bank):,.2f}" in tb
    aged = _page_text(web, "/accounting/reports/aged-receivables/", {"as_of": AS_OF})
    if D(receivable):
        assert customer.name in aged and f"{D(receivable):,.2f}" in aged
    else:
        assert customer.name not in aged
    party = web.get(f"/parties/{customer.pk}/").content.decode()
    shown = re.search(r'data-testid="receivable">([^<]*)<', party).group(1)
    assert shown.split()[0] == f"{D(receivable):,.2f}"


def test_done_when_through_the_pages_only(web, chart, customer):
    tax = tax13(chart)
    response = web.post(
        "/accounting/documents/customer-invoices/new/",
        {
            "party": customer.pk,
            "date": f"{YEAR}-03-10",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-description": "Widget",
            "lines-0-quantity": "10",
            "lines-0-unit_price": "100.00",
            "lines-0-taxes": [tax.pk],
            "lines-1-description": "Setup",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "50.00",
            "lines-1-taxes": [tax.pk],
            "save_post": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get()
    assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
        D("1050.00"),
        D("136.50"),
        D("1186.50"),
    )
    detail = _page_text(web, response["Location"])
    assert "1,186.50" in detail and f"INV/{YEAR}/00001" in detail
    _web_books(web, customer, receivable="1186.50", bank="0.00")

    form = web.get(f"/accounting/payments/new/?invoice={invoice.pk}")
    journal = form.context["form"].initial["journal"].pk
    for paid, on, receivable, bank in STEPS:
        registered = web.post(
            "/accounting/payments/new/",
            {
                "party": customer.pk,
                "direction": "in",
                "journal": journal,
                "amount": paid,
                "date": on,
                "currency": "CNY",
                f"alloc-{invoice.pk}": paid,
                "post": "1",
            },
        )
        assert registered.status_code == 302, registered.content.decode()[:2000]
        invoice.refresh_from_db()
        assert invoice.residual_amount == D(receivable)
        _web_books(web, customer, receivable=receivable, bank=bank)

    assert invoice.payment_state == "paid"
    assert Payment.objects.filter(state="posted").count() == 2
    assert date.fromisoformat(STEPS[-1][1]) == Payment.objects.latest("date").date
    assert run_all().ok, run_all().render()
