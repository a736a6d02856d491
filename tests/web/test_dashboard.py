"""The home dashboard: the owner's figures from the books, each role's work, SVG charts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounting.models import Account, Journal, Tax
from tandem.accounting.services.chart import chart_install, fiscal_year_create
from tandem.accounting.services.entries import entry_create_posted
from tandem.accounting.services.invoices import invoice_create, invoice_post
from tandem.catalog.services.pricing import company_today
from tandem.core.services import membership_grant
from tandem.parties.services import party_create
from tests.factories import UserFactory

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def books(company, owner):
    """This month: an invoice of 2 x 100 + 13 % VAT, 500 paid in, 120 of it spent on stock;
    last month: an invoice of 80 without tax, due last month (so overdue now)."""
    chart_install(company=company, template="prc")
    today = company_today(company)
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    if last_month.year != today.year:  # January: last month lies in the previous year
        fiscal_year_create(company=company, date_start=last_month.replace(month=1))
    customer = party_create(company=company, name="Huadong Retail", is_customer=True)
    vat = Tax.objects.get(company=company, name="销项税 13%")
    for on, lines, due in (
        (today, [{"description": "Consulting", "quantity": D(2), "unit_price": D(100),
                  "taxes": [vat]}], today),
        (last_month, [{"description": "Repair", "quantity": D(1), "unit_price": D(80)}],
         last_month),
    ):  # fmt: skip
        invoice = invoice_create(
            company=company,
            kind="customer_invoice",
            party=customer,
            date=on,
            due_date=due,
            lines=lines,
            user=owner,
        )
        invoice_post(invoice=invoice, user=owner)
    acct = {a.code: a for a in Account.objects.filter(company=company)}
    general = Journal.objects.get(company=company, code="GEN")
    for debit, credit, amount in (("1002", "4001", D(500)), ("1405", "1002", D(120))):
        entry_create_posted(
            company=company,
            journal=general,
            date=today,
            lines=[
                {"account": acct[debit], "debit": amount},
                {"account": acct[credit], "credit": amount},
            ],
        )
    return company


def test_the_owner_sees_revenue_cash_stock_and_receivables_from_the_books(books, web):
    # when the owner opens the home page
    page = web.get("/")
    assert page.status_code == 200
    figures = {f["label"]: f for f in page.context["figures"]}
    # then every figure is the ledger's, in the company currency
    assert figures["Revenue this month"]["value"] == D("200.00")
    assert figures["Revenue this month"]["change"] == D("150.0")  # (200 - 80) / 80
    assert figures["Revenue this month"]["note"] == "last month 80.00"
    assert figures["Cash position"]["value"] == D("380.00")
    assert figures["Stock value"]["value"] == D("120.00")
    assert figures["Receivables"]["value"] == D("306.00")
    assert figures["Receivables"]["note"] == "80.00 overdue"
    html = page.content.decode()
    assert "306.00" in html and "+150 %" in html
    # the charts are inline SVG whose bars link to the report behind them
    revenue_chart = page.context["charts"][0]["chart"]
    assert [bar.value for bar in revenue_chart["bars"]][-2:] == [D("80.00"), D("200.00")]
    assert revenue_chart["bars"][-1].highlight
    assert html.count("<svg") == 2 and "/accounting/reports/profit-and-loss/?date_from=" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_a_warehouse_clerk_sees_its_work_and_no_money(books):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=books, roles=["warehouse"])
    client = Client()
    client.force_login(clerk)
    page = client.get("/")
    assert page.status_code == 200
    assert page.context["figures"] == [] and page.context["charts"] == []
    labels = [item["label"] for item in page.context["work"]]
    assert labels == ["Transfers ready to process", "Transfers late"]
    assert "306.00" not in page.content.decode()


def test_the_dashboard_speaks_chinese(books, web):
    web.cookies["django_language"] = "zh-hans"
    page = web.get("/", headers={"accept-language": "zh-hans"})
    html = page.content.decode()
    assert "本月收入" in html and "今日待办" in html
