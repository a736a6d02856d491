from decimal import Decimal

from tandem.catalog import services
from tandem.catalog.models import Product
from tandem.core.services import membership_grant
from tests.factories import UserFactory

WIDGET = {
    "sku": "W-100",
    "name": "Widget",
    "type": "goods",
    "list_price": "10.50",
    "cost_price": "6.25",
    "barcode": "4006381333931",
    "tracking": "lot",
    "weight": "0.250",
}


def test_create_read_update_delete(api, company, uoms):
    category = services.category_create(company=company, name="Gadgets", valuation="average")

    created = api.post("/products", {**WIDGET, "category": category.pk})

    assert created.status_code == 201
    body = created.json()
    assert {k: body[k] for k in WIDGET} == {
        **WIDGET,
        "list_price": "10.500000",
        "cost_price": "6.250000",
        "weight": "0.250000",
    }
    assert body["company"] == company.pk
    assert body["category"] == category.pk
    assert body["uom"] == body["purchase_uom"] == uoms["unit"].pk  # the default unit
    assert body["valuation"] == "average"  # from the category
    assert body["volume"] == "0.000000"
    assert body["active"] is body["can_be_sold"] is body["can_be_purchased"] is True
    assert {"id", "created_at", "updated_at", "description"} <= set(body)

    pid = body["id"]
    assert api.get(f"/products/{pid}").json() == body

    patched = api.patch(
        f"/products/{pid}",
        {"name": "Widget XL", "list_price": "12", "category": None, "uom": uoms["dozen"].pk},
    )
    assert patched.status_code == 200
    after = patched.json()
    assert (after["name"], after["list_price"], after["category"]) == (
        "Widget XL",
        "12.000000",
        None,
    )
    assert after["uom"] == uoms["dozen"].pk
    assert after["purchase_uom"] == uoms["unit"].pk  # same category: kept
    assert after["sku"] == "W-100"

    assert api.delete(f"/products/{pid}").status_code == 204
    assert not Product.objects.filter(pk=pid).exists()


def test_the_audit_trail_records_the_api_user(api, owner):
    pid = api.post("/products", WIDGET).json()["id"]
    api.patch(f"/products/{pid}", {"list_price": "11"})

    records = list(Product.objects.get(pk=pid).history.order_by("history_id"))
    assert [r.history_type for r in records] == ["+", "~"]
    assert {r.history_user_id for r in records} == {owner.pk}
    assert records[-1].list_price == Decimal("11")


def test_duplicate_sku_is_409_with_the_existing_id(api, company):
    first = api.post("/products", WIDGET).json()

    again = api.post("/products", {**WIDGET, "sku": "w-100", "barcode": ""})

    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "product.duplicate"
    assert body["existing_id"] == first["id"]
    assert body["errors"] == [{"field": "sku", "message": body["detail"]}]
    assert Product.objects.filter(company=company).count() == 1


def test_renaming_onto_a_taken_sku_is_409_and_changes_nothing(api):
    api.post("/products", WIDGET)
    other = api.post("/products", {"sku": "G-1", "name": "Gizmo"}).json()

    response = api.patch(f"/products/{other['id']}", {"sku": "W-100", "name": "Renamed"})

    assert response.status_code == 409
    assert Product.objects.get(pk=other["id"]).sku == "G-1"
    assert Product.objects.get(pk=other["id"]).name == "Gizmo"


def test_the_same_sku_is_fine_in_another_company(api, other_company, make_product):
    theirs = make_product("W-100", company=other_company)

    response = api.post("/products", WIDGET)

    assert response.status_code == 201
    assert response.json()["id"] != theirs.pk


def test_bad_barcode_check_digit_is_422(api, company):
    response = api.post("/products", {**WIDGET, "barcode": "4006381333932"})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "product.barcode_invalid"
    assert body["errors"][0]["field"] == "barcode"
    assert not Product.objects.filter(company=company).exists()


def test_barcodes_that_are_not_gtin_are_kept_as_given(api):
    response = api.post("/products", {**WIDGET, "barcode": "INT-0042"})
    assert response.status_code == 201
    assert response.json()["barcode"] == "INT-0042"


def test_duplicate_barcode_is_409(api, company):
    first = api.post("/products", WIDGET).json()
    response = api.post("/products", {**WIDGET, "sku": "W-200"})
    assert response.status_code == 409
    assert response.json()["code"] == "product.barcode_duplicate"
    assert response.json()["existing_id"] == first["id"]
    assert Product.objects.filter(company=company).count() == 1


def test_products_without_barcode_do_not_clash(api):
    assert api.post("/products", {**WIDGET, "barcode": ""}).status_code == 201
    assert api.post("/products", {**WIDGET, "sku": "W-2", "barcode": ""}).status_code == 201


def test_purchase_unit_of_another_category_is_422(api, company, uoms):
    response = api.post(
        "/products", {**WIDGET, "uom": uoms["unit"].pk, "purchase_uom": uoms["kg"].pk}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "uom.incompatible"
    assert body["errors"][0]["field"] == "purchase_uom"
    assert not Product.objects.filter(company=company).exists()


def test_a_purchase_unit_of_the_same_category_is_fine(api, uoms):
    response = api.post(
        "/products", {**WIDGET, "uom": uoms["unit"].pk, "purchase_uom": uoms["dozen"].pk}
    )
    assert response.status_code == 201
    assert response.json()["purchase_uom"] == uoms["dozen"].pk


def test_services_are_not_tracked(api, company):
    response = api.post("/products", {**WIDGET, "type": "service", "tracking": "serial"})

    assert response.status_code == 422
    assert response.json()["code"] == "product.service_tracking"
    assert response.json()["errors"][0]["field"] == "tracking"
    assert not Product.objects.filter(company=company).exists()


def test_negative_prices_and_bad_choices_are_422(api, company):
    response = api.post("/products", {**WIDGET, "list_price": "-1", "type": "gadget"})

    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"list_price", "type"}
    assert not Product.objects.filter(company=company).exists()


def test_another_companys_product_is_404(api, other_company, make_product):
    theirs = make_product("THEIRS", company=other_company)

    assert api.get(f"/products/{theirs.pk}").status_code == 404
    assert api.patch(f"/products/{theirs.pk}", {"name": "Mine"}).status_code == 404
    assert api.delete(f"/products/{theirs.pk}").status_code == 404
    assert api.get(f"/products/{theirs.pk}/price").status_code == 404
    assert Product.objects.get(pk=theirs.pk).name == "Product THEIRS"


def test_another_companys_category_or_unit_in_a_payload_is_422(api, company, other_company):
    category = services.category_create(company=other_company, name="Theirs")
    their_kg = services.default_uom(company=other_company)

    for field, value in (("category", category.pk), ("uom", their_kg.pk)):
        response = api.post("/products", {**WIDGET, field: value})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
    assert not Product.objects.filter(company=company).exists()


def test_list_search_filters_and_ordering(api, company, make_product):
    gadgets = services.category_create(company=company, name="Gadgets")
    small = services.category_create(company=company, name="Small", parent=gadgets)
    make_product("A-1", name="Alpha", list_price=Decimal("3"), category=small)
    make_product("B-2", name="Beta", list_price=Decimal("1"), type="service", barcode="96385074")
    make_product("C-3", name="Gamma alpha", list_price=Decimal("2"), category=gadgets)
    make_product("D-4", name="Delta", active=False)

    def skus(**params):
        body = api.get("/products", params).json()
        assert body["count"] == len(body["items"]) or "limit" in params
        return [p["sku"] for p in body["items"]]

    assert skus() == ["A-1", "B-2", "C-3", "D-4"]
    assert skus(search="alpha") == ["A-1", "C-3"]
    assert skus(search="96385074") == ["B-2"]
    assert skus(type="service") == ["B-2"]
    assert skus(category=gadgets.pk) == ["A-1", "C-3"]  # includes subcategories
    assert skus(category=small.pk) == ["A-1"]
    assert skus(active="false") == ["D-4"]
    assert skus(ordering="-list_price") == ["A-1", "C-3", "B-2", "D-4"]
    assert skus(ordering="-sku", limit=2, offset=1) == ["C-3", "B-2"]
    assert api.get("/products", {"ordering": "password"}).status_code == 422


def test_list_query_count_does_not_grow_with_rows(
    api, company, make_product, django_assert_num_queries
):
    for _ in range(5):
        make_product()
    api.get("/products")  # warm up: token lookups, permission cache

    with django_assert_num_queries(5) as few:
        assert api.get("/products").json()["count"] == 5
    for _ in range(35):
        make_product()
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(api.get("/products", {"limit": 100}).json()["items"]) == 40


def test_readonly_users_cannot_write(api_as, company):
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=company, roles=["readonly"])
    client = api_as(reader, company)

    assert client.get("/products").status_code == 200
    response = client.post("/products", WIDGET)
    assert response.status_code == 403
    assert response.json()["code"] == "permission.denied"
    assert not Product.objects.exists()


def test_deleting_a_unit_in_use_is_409(api, uoms):
    api.post("/products", {**WIDGET, "uom": uoms["kg"].pk})

    response = api.delete(f"/uoms/{uoms['kg'].pk}")

    assert response.status_code == 409
    assert response.json()["code"] == "uom.in_use"
    assert api.get(f"/uoms/{uoms['kg'].pk}").status_code == 200


def test_hostile_input_is_4xx_never_500(api, company):
    huge = 2**70
    responses = [
        api.get("/products", {"category": huge}),
        api.get("/products", {"search": "a\x00b"}),
        api.post("/products", {**WIDGET, "category": huge}),
        api.post("/products", {**WIDGET, "sku": "NUL\x00"}),
        api.post("/products", {**WIDGET, "list_price": "1e400"}),
        api.post("/products", {**WIDGET, "list_price": "NaN"}),
        api.post("/products", raw="[]"),
        api.patch("/products/1", {"name": None}),
        api.get("/products/1/price", {"quantity": "abc"}),
        api.post("/price-lists", {"name": "X", "parties": [huge], "items": [{"product": huge}]}),
    ]
    assert [r.status_code // 100 for r in responses] == [4] * len(responses)
    assert all(r["Content-Type"] == "application/problem+json" for r in responses)
    assert not Product.objects.exists()
