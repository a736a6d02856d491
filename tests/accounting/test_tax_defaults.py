"""Default taxes per product and category, the party's tax rule, and their use on lines."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.accounting.models import CategoryTax, PartyTaxRule
from tandem.accounting.services import default_taxes, default_taxes_set, party_tax_rule_set
from tandem.accounting.services.invoices import invoice_create
from tandem.catalog.models import ProductCategory
from tandem.catalog.services import product_create
from tandem.core.errors import DomainError
from tandem.parties.models import Party

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def tree(chart):
    goods = ProductCategory.objects.create(company=chart, name="Goods")
    food = ProductCategory.objects.create(company=chart, name="Food", parent=goods)
    tea = ProductCategory.objects.create(company=chart, name="Tea", parent=food)
    return {"goods": goods, "food": food, "tea": tea}


def _product(company, sku, category=None):
    return product_create(company=company, sku=sku, name=sku, category=category, list_price=D(10))


def names(taxes):
    return [t.name for t in taxes]


def test_product_wins_over_category_and_the_nearest_parent_counts(chart, taxes, tree):
    default_taxes_set(company=chart, target=tree["goods"], taxes=[taxes["销项税 13%"]])
    default_taxes_set(
        company=chart,
        target=tree["food"],
        taxes=[taxes["销项税 9%"]],
        purchase_taxes=[taxes["进项税 9%"]],
    )
    own = _product(chart, "OWN", tree["tea"])
    default_taxes_set(company=chart, target=own, taxes=[taxes["销项税 6%"]])
    tea = _product(chart, "TEA", tree["tea"])  # no row on Tea: Food's
    box = _product(chart, "BOX", tree["goods"])
    bare = _product(chart, "BARE")

    sale = default_taxes(company=chart, products=[own, tea, box, bare], scope="sale")
    assert {pk: names(t) for pk, t in sale.items()} == {
        own.pk: ["销项税 6%"],
        tea.pk: ["销项税 9%"],
        box.pk: ["销项税 13%"],
        bare.pk: [],
    }
    purchase = default_taxes(company=chart, products=[own.pk, tea.pk], scope="purchase")
    # the product's own sale tax does not hide its category's purchase tax: per scope
    assert {pk: names(t) for pk, t in purchase.items()} == {
        own.pk: ["进项税 9%"],
        tea.pk: ["进项税 9%"],
    }


def test_party_rule_exempts_or_maps(chart, taxes, tree, customer):
    default_taxes_set(company=chart, target=tree["food"], taxes=[taxes["销项税 9%"]])
    tea = _product(chart, "TEA", tree["tea"])
    default_taxes_set(company=chart, target=tea, taxes=[taxes["销项税 13%"]])
    other = _product(chart, "OTHER", tree["food"])
    export = Party.objects.create(
        company=chart, name="Export Ltd", is_customer=True, currency_id="CNY"
    )
    party_tax_rule_set(
        company=chart, party=export, mappings=[(taxes["销项税 13%"], taxes["销项税 0%"])]
    )
    found = default_taxes(company=chart, products=[tea, other], scope="sale", party=export)
    assert names(found[tea.pk]) == ["销项税 0%"]
    assert names(found[other.pk]) == ["销项税 9%"]  # not mapped: kept

    party_tax_rule_set(company=chart, party=export, tax_exempt=True)
    found = default_taxes(company=chart, products=[tea, other], scope="sale", party=export)
    assert found == {tea.pk: [], other.pk: []}
    # a party without a rule keeps the defaults
    found = default_taxes(company=chart, products=[tea], scope="sale", party=customer)
    assert names(found[tea.pk]) == ["销项税 13%"]


def test_query_count_does_not_grow_with_products(chart, taxes, tree, django_assert_num_queries):
    default_taxes_set(company=chart, target=tree["food"], taxes=[taxes["销项税 9%"]])
    export = Party.objects.create(
        company=chart, name="Export Ltd", is_customer=True, currency_id="CNY"
    )
    party_tax_rule_set(
        company=chart, party=export, mappings=[(taxes["销项税 9%"], taxes["销项税 0%"])]
    )

    def run(count):
        made = [_product(chart, f"P{count}-{i}", tree["tea"]) for i in range(count)]
        own = _product(chart, f"OWN{count}")
        default_taxes_set(company=chart, target=own, taxes=[taxes["销项税 13%"]])
        # own taxes, category taxes, category tree, party rule, its mappings
        with django_assert_num_queries(5):
            found = default_taxes(company=chart, products=[*made, own], scope="sale", party=export)
        assert {names(t)[0] for t in found.values()} == {"销项税 0%", "销项税 13%"}

    run(2)
    run(30)


def test_setting_refuses_a_wrong_scope_or_another_companys_tax(chart, taxes, tree, other_company):
    from tandem.accounting.models import Tax

    tea = _product(chart, "TEA", tree["tea"])
    with pytest.raises(DomainError) as refused:
        default_taxes_set(company=chart, target=tea, taxes=[taxes["进项税 13%"]])
    assert (refused.value.code, refused.value.field) == ("tax.scope_mismatch", "taxes")
    with pytest.raises(DomainError) as refused:
        default_taxes_set(company=chart, target=tree["tea"], purchase_taxes=[taxes["销项税 13%"]])
    assert refused.value.code == "tax.scope_mismatch"
    foreign = Tax(company=other_company, name="x", scope="sale", rate=1)
    with pytest.raises(DomainError) as refused:
        default_taxes_set(company=chart, target=tea, taxes=[foreign])
    assert refused.value.field == "taxes"
    assert not tea.taxes.exists() and not CategoryTax.objects.exists()
    party = Party.objects.create(company=chart, name="P", currency_id="CNY")
    with pytest.raises(DomainError) as refused:
        party_tax_rule_set(
            company=chart, party=party, mappings=[(taxes["销项税 13%"], taxes["进项税 0%"])]
        )
    assert (refused.value.code, refused.value.field) == (
        "tax.scope_mismatch",
        "mappings.0.replacement",
    )
    assert not PartyTaxRule.objects.exists()


def test_invoice_lines_take_category_taxes_and_the_party_rule(chart, taxes, tree, customer, owner):
    default_taxes_set(company=chart, target=tree["food"], taxes=[taxes["销项税 9%"]])
    tea = _product(chart, "TEA", tree["tea"])
    invoice = invoice_create(
        company=chart,
        kind="customer_invoice",
        party=customer,
        date=date(2026, 3, 10),
        lines=[
            {"product": tea, "quantity": D(2), "unit_price": D(100)},
            {"product": tea, "quantity": D(1), "unit_price": D(100), "taxes": []},
        ],
        user=owner,
    )
    assert (invoice.untaxed_amount, invoice.tax_amount) == (D("300.00"), D("18.00"))
    party_tax_rule_set(company=chart, party=customer, tax_exempt=True)
    invoice = invoice_create(
        company=chart,
        kind="customer_invoice",
        party=customer,
        date=date(2026, 3, 10),
        lines=[{"product": tea, "quantity": D(2), "unit_price": D(100)}],
        user=owner,
    )
    assert invoice.tax_amount == D("0.00")


def test_party_tax_rules_api(api, chart, taxes, tree, owner):
    export = Party.objects.create(
        company=chart, name="Export Ltd", is_customer=True, currency_id="CNY"
    )
    vat13, zero = taxes["销项税 13%"], taxes["销项税 0%"]
    made = api.post(
        "/party-tax-rules",
        {"party": export.pk, "mappings": [{"tax": vat13.pk, "replacement": zero.pk}]},
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["party"], body["tax_exempt"]) == (export.pk, False)
    assert body["mappings"] == [{"tax": vat13.pk, "replacement": zero.pk}]
    assert api.get("/party-tax-rules", {"party": export.pk}).json()["count"] == 1

    # a mapping to a purchase tax is refused, nothing changes
    wrong = api.patch(
        f"/party-tax-rules/{body['id']}",
        {"tax_exempt": True, "mappings": [{"tax": vat13.pk, "replacement": taxes["进项税 0%"].pk}]},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "tax.scope_mismatch")
    assert wrong.json()["errors"][0]["field"] == "mappings.0.replacement"
    again = api.get(f"/party-tax-rules/{body['id']}").json()
    assert (again["tax_exempt"], again["mappings"]) == (False, body["mappings"])

    # an invoice for the party through the API takes the mapped tax
    tea = _product(chart, "TEA", tree["tea"])
    default_taxes_set(company=chart, target=tea, taxes=[vat13])
    invoice = api.post(
        "/invoices",
        {
            "kind": "customer_invoice",
            "party": export.pk,
            "date": "2026-03-10",
            "lines": [{"product": tea.pk, "quantity": "2", "unit_price": "100"}],
        },
    )
    assert invoice.status_code == 201, invoice.content
    assert invoice.json()["lines"][0]["taxes"] == [zero.pk]
    assert invoice.json()["tax_amount"] == "0.00"
    assert api.delete(f"/party-tax-rules/{body['id']}").status_code == 204
    assert not PartyTaxRule.objects.exists()
