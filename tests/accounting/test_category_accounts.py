"""Income/expense accounts per product category: used by invoice line defaults (the
category's, else its parent's, else the role account), set by service, API and page."""

from datetime import date

import pytest
from django.urls import reverse

from tandem.accounting.models import Account, CategoryAccounts
from tandem.accounting.services import category_accounts as services
from tandem.accounting.services.invoices import invoice_create
from tandem.catalog.services import category_create, product_create
from tandem.core.errors import DomainError

from .conftest import YEAR, D


@pytest.fixture
def tea(chart):
    """Drinks / Tea, a product in Tea and one in Drinks."""
    drinks = category_create(company=chart, name="Drinks")
    tea = category_create(company=chart, name="Tea", parent=drinks)
    longjing = product_create(
        company=chart, sku="TEA-1", name="Longjing", category=tea, list_price=D("200")
    )
    juice = product_create(
        company=chart, sku="JUI-1", name="Juice", category=drinks, list_price=D("10")
    )
    return drinks, tea, longjing, juice


def account(company, code):
    return Account.objects.get(company=company, code=code)


def line_accounts(company, party, kind, products):
    invoice = invoice_create(
        company=company,
        kind=kind,
        party=party,
        date=date(YEAR, 3, 10),
        lines=[{"product": p, "quantity": D("1")} for p in products],
    )
    return [line.account.code for line in invoice.lines.order_by("sequence")]


def test_lines_take_the_category_account_then_the_parent_then_the_default(
    chart, customer, supplier, tea
):
    drinks, tea_category, longjing, juice = tea
    # without a mapping: the revenue and expense role accounts
    assert line_accounts(chart, customer, "customer_invoice", [longjing, juice]) == [
        "6001", "6001",
    ]  # fmt: skip
    services.category_accounts_set(
        company=chart, category=drinks, income_account=account(chart, "6051")
    )
    services.category_accounts_set(
        company=chart,
        category=tea_category,
        income_account=None,
        expense_account=account(chart, "6601"),
    )
    # tea has no income account of its own: its parent's; juice: its own category's
    assert line_accounts(chart, customer, "customer_invoice", [longjing, juice]) == [
        "6051", "6051",
    ]  # fmt: skip
    # purchases: tea's expense account, drinks has none so juice keeps the default
    default_expense = line_accounts(chart, supplier, "vendor_bill", [juice])[0]
    assert line_accounts(chart, supplier, "vendor_bill", [longjing]) == ["6601"]
    assert default_expense != "6601"
    # an account given on the line wins
    invoice = invoice_create(
        company=chart,
        kind="customer_invoice",
        party=customer,
        date=date(YEAR, 3, 10),
        lines=[{"product": longjing, "account": account(chart, "6001")}],
    )
    assert invoice.lines.get().account.code == "6001"


def test_refusals_change_nothing(chart, other_company, tea):
    drinks = tea[0]
    archived = account(chart, "6051")
    archived.active = False
    archived.save()
    with pytest.raises(DomainError) as refused:
        services.category_accounts_set(company=chart, category=drinks, income_account=archived)
    assert refused.value.code == "account.inactive"
    foreign = category_create(company=other_company, name="Elsewhere")
    with pytest.raises(DomainError):
        services.category_accounts_set(
            company=chart, category=foreign, income_account=account(chart, "6001")
        )
    assert CategoryAccounts.objects.count() == 0


def test_api_crud(api, chart, tea):
    drinks = tea[0]
    income = account(chart, "6051")
    created = api.post("/category-accounts", {"category": drinks.pk, "income_account": income.pk})
    assert created.status_code == 201, created.content
    row = created.json()
    assert (row["category"], row["category_name"], row["income_account"]) == (
        drinks.pk, "Drinks", income.pk,
    )  # fmt: skip
    assert row["expense_account"] is None
    expense = account(chart, "6601")
    patched = api.patch(f"/category-accounts/{row['id']}", {"expense_account": expense.pk})
    assert patched.json()["expense_account"] == expense.pk
    assert patched.json()["income_account"] == income.pk
    listed = api.get("/category-accounts").json()
    assert listed["count"] == 1
    bad = api.post("/category-accounts", {"category": drinks.pk, "income_account": 99999999})
    assert bad.status_code == 422
    assert api.delete(f"/category-accounts/{row['id']}").status_code == 204
    assert CategoryAccounts.objects.count() == 0


def test_settings_page(web, chart, tea):
    drinks = tea[0]
    income = account(chart, "6051")
    url = reverse("accounting:category_accounts")
    assert web.get(url).status_code == 200
    saved = web.post(url, {"category": drinks.pk, "income_account": income.pk})
    assert saved.status_code == 302
    row = CategoryAccounts.objects.get()
    assert (row.category_id, row.income_account_id, row.expense_account_id) == (
        drinks.pk, income.pk, None,
    )  # fmt: skip
    page = web.get(url).content.decode()
    assert "Drinks" in page and "6051" in page
    assert web.post(url, {"category": ""}).status_code == 422
    removed = web.post(reverse("accounting:category_accounts_delete", args=[row.pk]))
    assert removed.status_code == 302
    assert CategoryAccounts.objects.count() == 0
