"""Taxes: the pure computation, maintenance services and the templates a chart installs."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tandem.accounting import services
from tandem.accounting.errors import TaxInUse
from tandem.accounting.models import Tax, TaxGroup
from tandem.accounting.services.invoices import invoice_create
from tandem.accounting.services.taxes import (
    accounting_settings,
    accounting_settings_update,
    tax_create,
    tax_delete,
    tax_update,
    taxes_compute,
    taxes_install,
)
from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.services import company_create
from tests.accounting.conftest import YEAR

D = Decimal


def tax(pk, rate, *, fixed=False, included=False, sequence=10):
    return SimpleNamespace(
        pk=pk,
        rate=D(rate),
        amount_type="fixed" if fixed else "percent",
        price_include=included,
        sequence=sequence,
    )


VAT13 = tax(1, "13")
VAT6 = tax(2, "6")


# -- computation ---------------------------------------------------------------------------


def test_price_excluded_percent_tax_on_a_discounted_line():
    # given 3 x 99.99 with 10% discount at 13%
    result = taxes_compute(
        [{"quantity": D("3"), "unit_price": D("99.99"), "discount": D("10"), "taxes": [VAT13]}],
        currency="CNY",
    )
    # then untaxed 269.973 -> 269.97, tax 35.09649 -> 35.10
    line = result.lines[0]
    assert (line.untaxed, line.tax, line.total) == (D("269.97"), D("35.10"), D("305.07"))
    assert [(t.tax.pk, t.base, t.amount) for t in result.taxes] == [(1, D("269.97"), D("35.10"))]
    assert (result.untaxed, result.tax, result.total) == (D("269.97"), D("35.10"), D("305.07"))


def test_price_included_tax_is_taken_out_of_the_price():
    # given a price of 100.00 that includes 13% VAT
    included = tax(3, "13", included=True)
    result = taxes_compute(
        [{"quantity": 1, "unit_price": D("100"), "discount": 0, "taxes": [included]}],
        currency="CNY",
    )
    # then base = 100 / 1.13 = 88.495575..., tax 11.50, and the total stays 100.00
    line = result.lines[0]
    assert (line.untaxed, line.tax, line.total) == (D("88.50"), D("11.50"), D("100.00"))
    assert (result.taxes[0].base, result.taxes[0].amount) == (D("88.50"), D("11.50"))


def test_two_included_taxes_share_one_base_and_an_excluded_one_adds_on_it():
    a = tax(4, "10", included=True, sequence=1)
    b = tax(5, "5", included=True, sequence=2)
    extra = tax(6, "2", sequence=3)
    result = taxes_compute(
        [{"quantity": 2, "unit_price": D("57.50"), "discount": 0, "taxes": [extra, b, a]}],
        currency="CNY",
    )
    # gross 115.00, base = 115 / 1.15 = 100.00; 10.00 + 5.00 included, 2.00 added
    line = result.lines[0]
    assert line.taxes == {4: D("10.00"), 5: D("5.00"), 6: D("2.00")}
    assert (line.untaxed, line.tax, line.total) == (D("100.00"), D("17.00"), D("117.00"))
    assert [t.tax.pk for t in result.taxes] == [4, 5, 6]


def test_fixed_amount_tax_is_per_unit():
    eco = tax(7, "0.50", fixed=True)
    result = taxes_compute(
        [{"quantity": 3, "unit_price": D("10"), "discount": D("50"), "taxes": [VAT13, eco]}],
        currency="CNY",
    )
    # untaxed 15.00; VAT 1.95; eco fee 3 x 0.50 = 1.50
    line = result.lines[0]
    assert line.taxes == {1: D("1.95"), 7: D("1.50")}
    assert (line.untaxed, line.tax, line.total) == (D("15.00"), D("3.45"), D("18.45"))


def test_per_line_and_per_document_rounding_differ_by_one_cent():
    # given three lines of 10.05 at 6%: each 0.603 of tax
    lines = [{"quantity": 1, "unit_price": D("10.05"), "taxes": [VAT6]} for _ in range(3)]

    by_line = taxes_compute(lines, currency="CNY", rounding="line")
    by_document = taxes_compute(lines, currency="CNY", rounding="document")

    # then per line: 0.60 x 3 = 1.80; per document: 1.809 -> 1.81
    assert by_line.tax == D("1.80")
    assert by_line.total == D("31.95")
    assert by_document.tax == D("1.81")
    assert by_document.total == D("31.96")
    # and the document figure is spread over the lines so they sum to it exactly
    assert [line.tax for line in by_document.lines] == [D("0.61"), D("0.60"), D("0.60")]
    assert sum(line.total for line in by_document.lines) == by_document.total
    assert (by_document.taxes[0].base, by_document.taxes[0].amount) == (D("30.15"), D("1.81"))


def test_per_document_rounding_gives_the_cent_to_the_largest_remainder():
    lines = [
        {"quantity": 1, "unit_price": D("0.10"), "taxes": [VAT13]},  # 0.013
        {"quantity": 1, "unit_price": D("0.30"), "taxes": [VAT13]},  # 0.039
        {"quantity": 1, "unit_price": D("0.20"), "taxes": [VAT13]},  # 0.026
    ]
    result = taxes_compute(lines, currency="CNY", rounding="document")
    # 0.078 -> 0.08: floors 0.01 + 0.03 + 0.02 = 0.06, the two cents go to .009 then .006
    assert result.tax == D("0.08")
    assert [line.tax for line in result.lines] == [D("0.01"), D("0.04"), D("0.03")]


def test_a_currency_without_minor_unit_rounds_to_whole_units():
    result = taxes_compute(
        [{"quantity": 1, "unit_price": D("1005"), "taxes": [VAT13]}], currency="JPY"
    )
    assert (result.untaxed, result.tax, result.total) == (D("1005"), D("131"), D("1136"))


def test_no_lines_no_figures():
    result = taxes_compute([], currency="CNY", rounding="document")
    assert (result.untaxed, result.tax, result.total, result.taxes) == (0, 0, 0, [])


# -- templates and maintenance -------------------------------------------------------------


@pytest.mark.django_db
def test_installing_the_prc_chart_installs_vat_on_its_tax_accounts(chart, acct):
    taxes = {t.name: t for t in Tax.objects.filter(company=chart)}
    assert sorted(taxes) == sorted(
        [f"销项税 {r}%" for r in (13, 9, 6, 0)] + [f"进项税 {r}%" for r in (13, 9, 6, 0)]
    )
    out13 = taxes["销项税 13%"]
    assert (out13.scope, out13.rate, out13.account.code, out13.group.name) == (
        "sale",
        D("13.0000"),
        "222102",
        "增值税",
    )
    assert taxes["进项税 9%"].account == acct["222101"]
    assert TaxGroup.objects.filter(company=chart).count() == 1
    # installing again adds nothing
    assert taxes_install(company=chart, template="prc") == 0
    assert Tax.objects.filter(company=chart).count() == 8


@pytest.mark.django_db
def test_the_generic_chart_gets_generic_vat_and_a_fixed_fee(db):
    company = company_create(code="GEN1", name="Generic Ltd", currency="EUR", country="DE")
    services.chart_install(company=company, template="generic")
    taxes = {t.name: t for t in Tax.objects.filter(company=company)}
    assert len(taxes) == 9
    assert taxes["VAT 20% (sales)"].account.code == "2100"
    assert taxes["VAT 20% (purchases)"].account.code == "1300"
    fee = taxes["Eco fee 0.50 per unit"]
    assert (fee.amount_type, fee.rate) == ("fixed", D("0.5000"))


@pytest.mark.django_db
def test_tax_create_defaults_its_account_and_refuses_a_duplicate(chart, acct):
    made = tax_create(company=chart, name="Stamp 1%", scope="sale", rate="1")
    assert made.account == acct["222102"]
    with pytest.raises(Duplicate) as refused:
        tax_create(company=chart, name="Stamp 1%", scope="sale", rate="2")
    assert refused.value.code == "tax.duplicate"
    assert Tax.objects.get(pk=made.pk).rate == D("1")


@pytest.mark.django_db
def test_a_fixed_tax_cannot_be_price_included(chart):
    with pytest.raises(ValidationFailed) as refused:
        tax_create(
            company=chart,
            name="Fee",
            scope="sale",
            rate="1",
            amount_type="fixed",
            price_include=True,
        )
    assert refused.value.code == "tax.fixed_included"
    assert not Tax.objects.filter(company=chart, name="Fee").exists()


@pytest.mark.django_db
def test_a_used_tax_keeps_its_rate_and_cannot_be_deleted(chart, customer):
    vat = Tax.objects.get(company=chart, name="销项税 13%")
    invoice_create(
        company=chart,
        kind="customer_invoice",
        party=customer,
        date=date(YEAR, 3, 1),
        lines=[{"description": "x", "unit_price": D("10"), "taxes": [vat]}],
    )
    with pytest.raises(TaxInUse) as refused:
        tax_update(tax=vat, rate=D("16"))
    assert refused.value.code == "tax.in_use"
    with pytest.raises(TaxInUse):
        tax_delete(tax=vat)
    vat.refresh_from_db()
    assert vat.rate == D("13")
    # a label change is fine
    assert tax_update(tax=vat, label="VAT 13%", rate="13.00").label == "VAT 13%"


@pytest.mark.django_db
def test_unused_tax_is_deleted(chart):
    unused = Tax.objects.get(company=chart, name="销项税 0%")
    tax_delete(tax=unused)
    assert not Tax.objects.filter(pk=unused.pk).exists()


@pytest.mark.django_db
def test_rounding_setting_defaults_to_per_line_and_changes(company):
    assert accounting_settings(company).tax_rounding == "line"
    assert accounting_settings_update(company=company, tax_rounding="document").tax_rounding == (
        "document"
    )
    with pytest.raises(ValidationFailed):
        accounting_settings_update(company=company, tax_rounding="never")
    assert accounting_settings(company).tax_rounding == "document"
