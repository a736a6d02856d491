"""The customer 360's figures are fixed-point decimal strings (audit finding 8: a product
bought 200 times showed `"quantity": "2E+2"`)."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting import services as acc
from tandem.accounting.services import company_today
from tandem.accounting.services.invoices import invoice_create
from tandem.catalog.services import product_create
from tandem.crm.queries.overview import party_overview

D = Decimal


@pytest.fixture
def buyer(company, owner, make_party):
    """A customer with one posted invoice: 200 pumps at 3.00 and 1.5 valves at 100.00."""
    today = company_today(company)
    acc.fiscal_year_create(company=company, date_start=date(today.year, 1, 1))
    acc.chart_install(company=company, template="prc")
    party = make_party("Harbour Trading")
    pump = product_create(company=company, sku="P-1", name="Pump")
    valve = product_create(company=company, sku="V-1", name="Valve")
    invoice_create(
        company=company,
        kind="customer_invoice",
        party=party,
        date=today,
        lines=[
            {"product": pump, "quantity": D("200"), "unit_price": D("3")},
            {"product": valve, "quantity": D("1.5"), "unit_price": D("100")},
        ],
        user=owner,
        post=True,
    )
    return party


def test_top_products_and_amounts_are_fixed_point(api, company, buyer):
    answer = api.get(f"/parties/{buyer.pk}/overview")

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [(p["sku"], p["quantity"], p["revenue"]) for p in body["top_products"]] == [
        ("P-1", "200.0000", "600.00"),
        ("V-1", "1.5000", "150.00"),
    ]
    assert (body["lifetime_value"], body["revenue_this_year"], body["open_pipeline"]) == (
        "750.00",
        "750.00",
        "0.00",
    )


def test_the_panel_figures_are_plain_without_an_exponent(company, buyer):
    view = party_overview(company, buyer)

    assert [str(p["quantity"]) for p in view["top_products"]] == ["200", "1.5"]
