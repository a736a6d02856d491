from datetime import date
from decimal import Decimal

import pytest

from tandem.catalog import services
from tandem.catalog.models import PriceList
from tandem.core.errors import DomainError
from tandem.core.models import ExchangeRate

D = Decimal
TODAY = date(2026, 6, 15)


@pytest.fixture
def widget(make_product):
    return make_product("W-1", name="Widget", list_price=D("12.00"))


@pytest.fixture
def retail(company, widget):
    """The company default list with quantity breaks 1 -> 10.00, 10 -> 9.00, 100 -> 8.00."""
    return services.price_list_create(
        company=company,
        name="Retail",
        currency="CNY",
        is_default=True,
        items=[
            {"product": widget, "min_quantity": D(1), "unit_price": D("10.00")},
            {"product": widget, "min_quantity": D(10), "unit_price": D("9.00")},
            {"product": widget, "min_quantity": D(100), "unit_price": D("8.00")},
        ],
    )


def quote(widget, **kwargs):
    kwargs.setdefault("on_date", TODAY)
    return services.price_for(product=widget, **kwargs)


@pytest.mark.parametrize(
    ("quantity", "price"),
    [
        ("1", "10.00"),
        ("9.99", "10.00"),
        ("10", "9.00"),
        ("99", "9.00"),
        ("100", "8.00"),
        ("5000", "8.00"),
    ],
)
def test_quantity_breaks(widget, retail, quantity, price):
    result = quote(widget, quantity=D(quantity))

    assert result.unit_price == D(price)
    assert (result.currency, result.price_list_id, result.source) == (
        "CNY",
        retail.pk,
        "price_list",
    )


def test_below_the_smallest_break_falls_back_to_the_list_price(widget, retail):
    result = quote(widget, quantity=D("0.5"))

    assert result == services.PriceQuote(
        unit_price=D("12.000000"),
        currency="CNY",
        price_list_id=None,
        item_id=None,
        source="list_price",
        uom_id=widget.uom_id,
    )


def test_without_any_price_list_the_list_price_applies(widget):
    result = quote(widget, quantity=D(3))
    assert (result.unit_price, result.currency, result.source) == (D("12"), "CNY", "list_price")


def test_expired_and_future_items_are_ignored(company, widget, retail):
    services.price_list_item_add(
        price_list=retail,
        product=widget,
        min_quantity=D(10),
        unit_price=D("7.00"),
        valid_from=date(2026, 1, 1),
        valid_to=date(2026, 5, 31),
    )
    services.price_list_item_add(
        price_list=retail,
        product=widget,
        min_quantity=D(10),
        unit_price=D("6.00"),
        valid_from=date(2026, 7, 1),
    )
    summer = services.price_list_item_add(
        price_list=retail,
        product=widget,
        min_quantity=D(10),
        unit_price=D("8.50"),
        valid_from=date(2026, 6, 1),
        valid_to=date(2026, 6, 30),
    )

    assert quote(widget, quantity=D(10)).unit_price == D("8.50")  # the dated item wins the tie
    assert quote(widget, quantity=D(10)).item_id == summer.pk
    assert quote(widget, quantity=D(10), on_date=date(2026, 5, 1)).unit_price == D("7.00")
    assert quote(widget, quantity=D(10), on_date=date(2026, 8, 1)).unit_price == D("6.00")
    assert quote(widget, quantity=D(10), on_date=date(2025, 1, 1)).unit_price == D("9.00")


def test_an_expired_or_inactive_price_list_is_skipped(widget, retail):
    PriceList.objects.filter(pk=retail.pk).update(valid_to=date(2026, 6, 14))
    assert quote(widget).source == "list_price"

    PriceList.objects.filter(pk=retail.pk).update(valid_to=None, active=False)
    assert quote(widget).source == "list_price"


def test_the_partys_own_list_beats_the_default(company, widget, retail, make_party):
    vip = make_party("VIP Ltd")
    walk_in = make_party("Walk-in")
    vip_list = services.price_list_create(
        company=company,
        name="VIP",
        currency="CNY",
        parties=[vip],
        items=[{"product": widget, "min_quantity": D(0), "unit_price": D("7.50")}],
    )

    assert quote(widget, party=vip).unit_price == D("7.50")
    assert quote(widget, party=vip).price_list_id == vip_list.pk
    assert quote(widget, party=walk_in).unit_price == D("10.00")
    assert quote(widget).unit_price == D("10.00")


def test_a_party_list_without_the_product_passes_on_to_the_default(
    company, widget, retail, make_party, make_product
):
    vip = make_party("VIP Ltd")
    other = make_product("O-1")
    services.price_list_create(
        company=company,
        name="VIP",
        parties=[vip],
        items=[{"product": other, "min_quantity": D(0), "unit_price": D("1.00")}],
    )

    result = quote(widget, party=vip, quantity=D(10))
    assert (result.unit_price, result.price_list_id) == (D("9.00"), retail.pk)


def test_a_party_list_out_of_its_dates_is_skipped(company, widget, retail, make_party):
    vip = make_party("VIP Ltd")
    services.price_list_create(
        company=company,
        name="VIP 2025",
        parties=[vip],
        valid_to=date(2025, 12, 31),
        items=[{"product": widget, "unit_price": D("5.00")}],
    )
    assert quote(widget, party=vip).unit_price == D("10.00")


def test_currency_fallback_converts_with_the_exchange_rate(company, widget, retail):
    ExchangeRate.objects.create(
        company=company, currency_id="USD", date=date(2026, 6, 1), rate=D("7.20")
    )

    result = quote(widget, quantity=D(10), currency="USD")

    # no USD list: the CNY default's 9.00 CNY at 7.20 CNY per USD
    assert (result.unit_price, result.currency) == (D("1.250000"), "USD")
    assert result.price_list_id == retail.pk


def test_list_price_fallback_converts_too(company, widget):
    ExchangeRate.objects.create(
        company=company, currency_id="USD", date=date(2026, 6, 1), rate=D("8")
    )

    result = quote(widget, currency="USD")
    assert (result.unit_price, result.currency, result.source) == (
        D("1.500000"),
        "USD",
        "list_price",
    )


def test_a_default_list_in_the_asked_currency_wins(company, widget, retail):
    usd = services.price_list_create(
        company=company,
        name="Export",
        currency="USD",
        is_default=True,
        items=[{"product": widget, "min_quantity": D(0), "unit_price": D("1.40")}],
    )

    result = quote(widget, currency="USD")
    assert (result.unit_price, result.currency, result.price_list_id) == (D("1.40"), "USD", usd.pk)
    assert quote(widget).price_list_id == retail.pk


def test_the_partys_currency_picks_its_default_list(company, widget, retail, make_party):
    usd = services.price_list_create(
        company=company,
        name="Export",
        currency="USD",
        is_default=True,
        items=[{"product": widget, "min_quantity": D(0), "unit_price": D("1.40")}],
    )
    american = make_party("Yankee Inc", currency="USD")

    result = quote(widget, party=american)
    assert (result.unit_price, result.currency, result.price_list_id) == (D("1.40"), "USD", usd.pk)


def test_a_missing_exchange_rate_is_a_clear_error(widget, retail):
    with pytest.raises(DomainError) as refused:
        quote(widget, currency="EUR")
    assert refused.value.code == "exchange_rate.missing"


def test_price_per_dozen(widget, retail, uoms):
    # 1 dozen = 12 units: the 10+ break applies, and the price is per dozen
    result = quote(widget, quantity=D(1), uom=uoms["dozen"])
    assert (result.unit_price, result.uom_id) == (D("108.00"), uoms["dozen"].pk)

    # 10 dozen = 120 units: the 100+ break
    assert quote(widget, quantity=D(10), uom=uoms["dozen"]).unit_price == D("96.00")


def test_a_unit_of_another_category_is_refused(widget, uoms):
    with pytest.raises(DomainError) as refused:
        quote(widget, uom=uoms["kg"])
    assert refused.value.code == "uom.incompatible"


def test_a_party_of_another_company_is_refused(widget, other_company):
    from tests.catalog.conftest import party_with

    stranger = party_with(other_company, "Stranger")
    with pytest.raises(DomainError) as refused:
        quote(widget, party=stranger)
    assert refused.value.errors[0]["field"] == "party"


def test_query_count_is_small_and_constant(
    company, widget, retail, make_party, uoms, django_assert_max_num_queries
):
    vip = make_party("VIP Ltd")
    for n in range(20):
        services.price_list_create(
            company=company,
            name=f"List {n}",
            parties=[vip],
            items=[{"product": widget, "min_quantity": D(m), "unit_price": D(5)} for m in range(5)],
        )
    ExchangeRate.objects.create(
        company=company, currency_id="USD", date=date(2026, 6, 1), rate=D("7.20")
    )
    product = type(widget).objects.get(pk=widget.pk)  # nothing cached

    with django_assert_max_num_queries(6):
        result = services.price_for(
            product=product,
            party=vip,
            quantity=D(3),
            on_date=TODAY,
            uom=uoms["dozen"],
            currency="USD",
        )
    assert result.source == "price_list"


def test_price_endpoint(api, company, widget, retail, make_party, uoms):
    vip = make_party("VIP Ltd")
    vip_list = services.price_list_create(
        company=company,
        name="VIP",
        parties=[vip],
        items=[{"product": widget, "min_quantity": D(0), "unit_price": D("7.50")}],
    )

    default = api.get(f"/products/{widget.pk}/price", {"quantity": "10", "date": "2026-06-15"})
    assert default.status_code == 200
    assert default.json() == {
        "product": widget.pk,
        "party": None,
        "quantity": "10",
        "date": "2026-06-15",
        "uom": uoms["unit"].pk,
        "unit_price": "9.000000",
        "currency": "CNY",
        "price_list": retail.pk,
        "item": default.json()["item"],
        "source": "price_list",
    }

    party = api.get(f"/products/{widget.pk}/price", {"party": vip.pk}).json()
    assert (party["unit_price"], party["price_list"]) == ("7.500000", vip_list.pk)

    dozen = api.get(f"/products/{widget.pk}/price", {"uom": uoms["dozen"].pk}).json()
    assert (dozen["unit_price"], dozen["uom"]) == ("108.000000", uoms["dozen"].pk)

    wrong_uom = api.get(f"/products/{widget.pk}/price", {"uom": uoms["kg"].pk})
    assert wrong_uom.status_code == 422
    assert wrong_uom.json()["code"] == "uom.incompatible"

    no_rate = api.get(f"/products/{widget.pk}/price", {"currency": "EUR"})
    assert no_rate.status_code == 422
    assert no_rate.json()["code"] == "exchange_rate.missing"

    bad = api.get(f"/products/{widget.pk}/price", {"quantity": "-1", "currency": "US"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"quantity", "currency"}

    unknown_party = api.get(f"/products/{widget.pk}/price", {"party": 999999})
    assert unknown_party.status_code == 422
    assert unknown_party.json()["errors"][0]["field"] == "party"
