from decimal import Decimal

import pytest

from tandem.catalog import services
from tandem.catalog.models import PriceList, PriceListItem

D = Decimal


@pytest.fixture
def products(make_product):
    return make_product("A"), make_product("B")


def test_create_with_items_and_customers(api, company, products, make_party):
    a, b = products
    vip = make_party("VIP")

    response = api.post(
        "/price-lists",
        {
            "name": "VIP 2026",
            "currency": "cny",
            "parties": [vip.pk],
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "items": [
                {"product": a.pk, "unit_price": "9.5"},
                {"product": a.pk, "min_quantity": "10", "unit_price": "9"},
                {"product": b.pk, "unit_price": "3", "valid_to": "2026-03-31"},
            ],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["currency"], body["parties"], body["is_default"]) == (
        "VIP 2026",
        "CNY",
        [vip.pk],
        False,
    )
    assert [
        (i["product"], i["min_quantity"], i["unit_price"], i["valid_to"]) for i in body["items"]
    ] == [
        (a.pk, "0.000000", "9.500000", None),
        (a.pk, "10.000000", "9.000000", None),
        (b.pk, "0.000000", "3.000000", "2026-03-31"),
    ]
    assert api.get(f"/price-lists/{body['id']}").json() == body


def test_patch_replaces_items_when_given(api, company, products):
    a, b = products
    pl = api.post(
        "/price-lists", {"name": "Retail", "items": [{"product": a.pk, "unit_price": "5"}]}
    ).json()

    renamed = api.patch(f"/price-lists/{pl['id']}", {"name": "Retail 2"}).json()
    assert len(renamed["items"]) == 1

    replaced = api.patch(
        f"/price-lists/{pl['id']}", {"items": [{"product": b.pk, "unit_price": "4"}]}
    ).json()
    assert [(i["product"], i["unit_price"]) for i in replaced["items"]] == [(b.pk, "4.000000")]
    assert PriceListItem.objects.filter(price_list_id=pl["id"]).count() == 1


def test_a_bad_item_changes_nothing(api, company, products, other_company, make_product):
    a, _b = products
    theirs = make_product("THEIRS", company=other_company)
    pl = api.post(
        "/price-lists", {"name": "Retail", "items": [{"product": a.pk, "unit_price": "5"}]}
    ).json()

    foreign = api.patch(
        f"/price-lists/{pl['id']}",
        {
            "name": "Changed",
            "items": [
                {"product": a.pk, "unit_price": "1"},
                {"product": theirs.pk, "unit_price": "1"},
            ],
        },
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "items.1.product"

    dates = api.patch(
        f"/price-lists/{pl['id']}",
        {
            "items": [
                {
                    "product": a.pk,
                    "unit_price": "1",
                    "valid_from": "2026-02-01",
                    "valid_to": "2026-01-01",
                }
            ]
        },
    )
    assert dates.status_code == 422
    assert dates.json()["errors"][0]["field"] == "items.0.valid_to"

    negative = api.patch(
        f"/price-lists/{pl['id']}", {"items": [{"product": a.pk, "unit_price": "-1"}]}
    )
    assert negative.status_code == 422

    after = PriceList.objects.get(pk=pl["id"])
    assert after.name == "Retail"
    assert list(after.items.values_list("unit_price", flat=True)) == [D("5")]


def test_one_default_per_currency_the_new_one_takes_over(api, company):
    first = api.post("/price-lists", {"name": "Old", "is_default": True}).json()
    usd = api.post("/price-lists", {"name": "USD", "currency": "USD", "is_default": True}).json()
    second = api.post("/price-lists", {"name": "New", "is_default": True}).json()

    defaults = dict(PriceList.objects.filter(company=company).values_list("id", "is_default"))
    assert defaults == {first["id"]: False, usd["id"]: True, second["id"]: True}


def test_duplicate_name_and_unknown_currency(api, company):
    first = api.post("/price-lists", {"name": "Retail"}).json()

    duplicate = api.post("/price-lists", {"name": "retail"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "price_list.duplicate"
    assert duplicate.json()["existing_id"] == first["id"]

    unknown = api.post("/price-lists", {"name": "Odd", "currency": "QQQ"})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "currency.unknown"
    assert PriceList.objects.filter(company=company).count() == 1


def test_another_companys_party_or_list(api, company, other_company):
    from tests.catalog.conftest import party_with

    stranger = party_with(other_company, "Stranger")
    theirs = services.price_list_create(company=other_company, name="Theirs")

    response = api.post("/price-lists", {"name": "Mine", "parties": [stranger.pk]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "parties"
    assert api.get(f"/price-lists/{theirs.pk}").status_code == 404
    assert api.delete(f"/price-lists/{theirs.pk}").status_code == 404
    assert not PriceList.objects.filter(company=company).exists()


def test_list_and_delete(api, company, products, django_assert_num_queries):
    a, b = products
    for n in range(3):
        api.post(
            "/price-lists",
            {
                "name": f"L{n}",
                "items": [
                    {"product": a.pk, "unit_price": "1"},
                    {"product": b.pk, "unit_price": "2"},
                ],
            },
        )
    api.get("/price-lists")

    with django_assert_num_queries(7):
        body = api.get("/price-lists").json()
    assert body["count"] == 3
    assert [len(p["items"]) for p in body["items"]] == [2, 2, 2]

    assert api.delete(f"/price-lists/{body['items'][0]['id']}").status_code == 204
    assert PriceList.objects.filter(company=company).count() == 2
    assert PriceListItem.objects.filter(company=company).count() == 4


def test_uom_api(api, company, uoms):
    listed = api.get("/uoms", {"category": uoms["kg"].category_id}).json()
    assert [u["name"] for u in listed["items"]] == ["kg", "g", "t"]
    assert api.get("/uom-categories").json()["count"] == 5

    created = api.post(
        "/uoms",
        {
            "category": uoms["kg"].category_id,
            "name": "lb",
            "symbol": "lb",
            "ratio": "0.45359237",
            "decimal_places": 3,
        },
    )
    assert created.status_code == 201
    assert created.json()["ratio"] == "0.453592370000"
    assert created.json()["is_reference"] is False

    duplicate = api.post("/uoms", {"category": uoms["kg"].category_id, "name": "LB", "ratio": "1"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "uom.duplicate"

    patched = api.patch(f"/uoms/{created.json()['id']}", {"decimal_places": 2})
    assert patched.json()["decimal_places"] == 2

    assert api.delete(f"/uoms/{created.json()['id']}").status_code == 204

    reference = api.delete(f"/uoms/{uoms['kg'].pk}")
    assert reference.status_code == 409
    assert reference.json()["code"] == "uom.in_use"
