import csv
import io
from decimal import Decimal

from django.test import Client
from openpyxl import load_workbook

from tandem.catalog import services
from tandem.catalog.models import PriceListItem, Product, ProductCategory, Uom
from tandem.core.services import membership_grant
from tests.factories import UserFactory

D = Decimal


def test_product_list_searches_filters_and_sorts(web, company, make_product):
    tools = services.category_create(company=company, name="Tools")
    make_product("HAM-1", name="Hammer", list_price=D(20), category=tools)
    make_product("SAW-1", name="Saw", list_price=D(30), category=tools)
    make_product("SVC-1", name="Sharpening", type="service", list_price=D(5))
    make_product("OLD-1", name="Old hammer", active=False)

    page = web.get("/catalog/").content.decode()
    assert "HAM-1" in page and "SAW-1" in page and "SVC-1" in page
    assert "OLD-1" not in page  # archived products are hidden by default

    found = web.get("/catalog/", {"q": "hammer", "active": "all"}).content.decode()
    assert "HAM-1" in found and "OLD-1" in found and "SAW-1" not in found

    assert "SVC-1" not in web.get("/catalog/", {"category": tools.pk}).content.decode()
    assert "HAM-1" not in web.get("/catalog/", {"type": "service"}).content.decode()

    by_price = web.get("/catalog/", {"sort": "-list_price"}).content.decode()
    assert by_price.index("SAW-1") < by_price.index("HAM-1") < by_price.index("SVC-1")


def test_htmx_requests_get_only_the_table(web, make_product):
    make_product("HAM-1")
    response = web.get("/catalog/", {"q": "HAM"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "HAM-1" in body
    assert "<html" not in body
    assert 'class="table"' in body


def test_product_list_pages_by_fifty(web, make_product):
    for _ in range(51):
        make_product()
    first = web.get("/catalog/").content.decode()
    second = web.get("/catalog/", {"page": 2}).content.decode()
    assert "P-0050" in first and "P-0051" not in first
    assert "P-0051" in second and "P-0001" not in second
    assert "page=2" in first


def test_csv_export_has_the_filtered_rows(web, company, make_product):
    tools = services.category_create(company=company, name="Tools")
    make_product("HAM-1", name="Hammer", list_price=D("20.5"), category=tools)
    make_product("=EVIL", name="Formula")

    response = web.get("/catalog/products/export/", {"q": "ham", "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["SKU", "Name", "Type"]
    assert rows[1:] == [
        ["HAM-1", "Hammer", "Goods", "Tools", "unit", "20.500000", "0.000000", "", "yes"]
    ]

    evil = web.get("/catalog/products/export/", {"q": "EVIL"})
    assert "'=EVIL" in b"".join(evil.streaming_content).decode("utf-8-sig")


def test_xlsx_export(web, make_product):
    make_product("HAM-1", name="Hammer")
    response = web.get("/catalog/products/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "SKU"
    assert rows[1][:2] == ("HAM-1", "Hammer")


def test_create_form_saves_and_shows_the_product(web, company, uoms):
    response = web.post(
        "/catalog/products/new/",
        {
            "sku": "NEW-1",
            "name": "New thing",
            "type": "goods",
            "uom": uoms["kg"].pk,
            "purchase_uom": uoms["t"].pk,
            "list_price": "3.50",
            "cost_price": "2",
            "tracking": "none",
            "weight": "0",
            "volume": "0",
            "active": "on",
            "can_be_sold": "on",
        },
    )

    product = Product.objects.get(company=company, sku="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/products/{product.pk}/"
    assert (product.uom, product.purchase_uom, product.list_price) == (
        uoms["kg"],
        uoms["t"],
        D("3.5"),
    )
    assert product.can_be_purchased is False


def test_create_form_shows_clear_errors_and_saves_nothing(web, company, uoms, make_product):
    make_product("TAKEN")
    base = {
        "name": "X",
        "type": "goods",
        "tracking": "none",
        "list_price": "1",
        "cost_price": "0",
        "weight": "0",
        "volume": "0",
    }

    taken = web.post("/catalog/products/new/", {**base, "sku": "TAKEN"})
    assert taken.status_code == 200
    assert "A product with SKU TAKEN exists" in taken.content.decode()

    barcode = web.post("/catalog/products/new/", {**base, "sku": "B", "barcode": "4006381333932"})
    assert "not a valid EAN/GTIN" in barcode.content.decode()

    units = web.post(
        "/catalog/products/new/",
        {**base, "sku": "U", "uom": uoms["unit"].pk, "purchase_uom": uoms["kg"].pk},
    )
    assert "is not in the category of" in units.content.decode()

    negative = web.post("/catalog/products/new/", {**base, "sku": "N", "list_price": "-1"})
    assert 'class="errorlist"' in negative.content.decode()

    assert list(Product.objects.filter(company=company).values_list("sku", flat=True)) == ["TAKEN"]


def test_edit_form_and_detail_page_show_the_change_in_the_history(
    web, company, make_product, owner
):
    product = make_product("ED-1", name="Before", list_price=D(1))
    edit = web.get(f"/catalog/products/{product.pk}/edit/")
    assert 'value="Before"' in edit.content.decode()

    data = {
        "sku": "ED-1",
        "name": "After",
        "type": "goods",
        "tracking": "none",
        "uom": product.uom_id,
        "purchase_uom": product.purchase_uom_id,
        "list_price": "2",
        "cost_price": "0",
        "weight": "0",
        "volume": "0",
        "active": "on",
    }
    assert web.post(f"/catalog/products/{product.pk}/edit/", data).status_code == 302

    page = web.get(f"/catalog/products/{product.pk}/").content.decode()
    assert "After" in page
    assert "History" in page
    assert "<del>Before</del> → After" in page
    assert owner.username in page


def test_detail_lists_price_list_prices_and_checks_a_price(web, company, make_product, make_party):
    product = make_product("PC-1", list_price=D(12))
    vip = make_party("VIP Ltd")
    services.price_list_create(
        company=company,
        name="VIP list",
        parties=[vip],
        items=[{"product": product, "min_quantity": D(5), "unit_price": D("7.25")}],
    )

    page = web.get(f"/catalog/products/{product.pk}/").content.decode()
    assert "VIP list" in page and "7.25" in page

    checked = web.get(
        f"/catalog/products/{product.pk}/", {"party": vip.pk, "quantity": "5", "date": ""}
    ).content.decode()
    assert 'data-testid="price-quote"' in checked
    assert "7.25 CNY" in checked

    fallback = web.get(
        f"/catalog/products/{product.pk}/",
        {"party": vip.pk, "quantity": "1"},
        headers={"HX-Request": "true", "HX-Target": "price-check"},
    ).content.decode()
    assert "<html" not in fallback
    assert "12.00 CNY" in fallback


def test_another_companys_product_page_is_404(web, other_company, make_product):
    theirs = make_product("THEIRS", company=other_company)
    assert web.get(f"/catalog/products/{theirs.pk}/").status_code == 404
    assert web.get(f"/catalog/products/{theirs.pk}/edit/").status_code == 404


def test_readonly_users_see_but_cannot_change(company, make_product):
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=company, roles=["readonly"])
    product = make_product("RO-1")
    client = Client()
    client.force_login(reader)

    page = client.get("/catalog/").content.decode()
    assert "RO-1" in page
    assert "/catalog/products/new/" not in page
    assert client.get("/catalog/products/new/").status_code == 403
    assert client.post(f"/catalog/products/{product.pk}/delete/").status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


def test_changes_only_by_post_with_csrf(owner, make_product):
    product = make_product("CS-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.get(f"/catalog/products/{product.pk}/delete/").status_code == 405
    assert client.post(f"/catalog/products/{product.pk}/delete/").status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


def test_category_tree_page_adds_and_refuses_a_cycle(web, company):
    root = services.category_create(company=company, name="All")
    child = services.category_create(company=company, name="Child", parent=root)

    page = web.get("/catalog/categories/").content.decode()
    assert "All" in page and "Child" in page

    added = web.post(
        "/catalog/categories/", {"name": "Leaf", "parent": child.pk, "valuation": "fifo"}
    )
    assert added.status_code == 302
    leaf = ProductCategory.objects.get(company=company, name="Leaf")
    assert leaf.full_path == "All / Child / Leaf"

    cycle = web.post(
        f"/catalog/categories/{root.pk}/edit/",
        {"name": "All", "parent": leaf.pk, "valuation": "standard"},
    )
    assert cycle.status_code == 200
    assert "cannot move under itself" in cycle.content.decode()
    assert ProductCategory.objects.get(pk=root.pk).parent_id is None


def test_units_page_lists_and_adds_units(web, company, uoms):
    page = web.get("/catalog/uoms/").content.decode()
    for name in ("dozen", "kg", "cm", "day", "mL"):
        assert f"<td>{name}" in page

    added = web.post(
        "/catalog/uoms/",
        {
            "form": "uom",
            "category": uoms["kg"].category_id,
            "name": "lb",
            "symbol": "lb",
            "ratio": "0.45359237",
            "decimal_places": "3",
            "active": "on",
        },
    )
    assert added.status_code == 302
    assert Uom.objects.get(company=company, name="lb").ratio == D("0.45359237")

    category = web.post(
        "/catalog/uoms/",
        {
            "form": "category",
            "cat-name": "Area",
            "cat-kind": "area",
            "cat-reference_name": "m²",
            "cat-reference_places": "2",
        },
    )
    assert category.status_code == 302
    assert Uom.objects.get(company=company, name="m²").is_reference is True


def test_price_list_pages_add_and_remove_items(web, company, make_product, make_party):
    product = make_product("PL-1")
    vip = make_party("VIP Ltd")

    created = web.post(
        "/catalog/price-lists/new/",
        {"name": "VIP", "currency": "CNY", "active": "on", "parties": [vip.pk]},
    )
    assert created.status_code == 302
    price_list = company_price_list(company, "VIP")
    assert list(price_list.parties.all()) == [vip]

    added = web.post(
        f"/catalog/price-lists/{price_list.pk}/items/",
        {"product": product.pk, "min_quantity": "10", "unit_price": "4.5"},
    )
    assert added.status_code == 302
    item = PriceListItem.objects.get(price_list=price_list)
    assert (item.min_quantity, item.unit_price) == (D(10), D("4.5"))

    bad = web.post(
        f"/catalog/price-lists/{price_list.pk}/items/",
        {
            "product": product.pk,
            "min_quantity": "1",
            "unit_price": "1",
            "valid_from": "2026-02-01",
            "valid_to": "2026-01-01",
        },
    )
    assert bad.status_code == 422
    assert "The end date is before the start date" in bad.content.decode()

    page = web.get(f"/catalog/price-lists/{price_list.pk}/").content.decode()
    assert "PL-1" in page and "4.5" in page
    assert "VIP" in web.get("/catalog/price-lists/").content.decode()

    removed = web.post(f"/catalog/price-lists/{price_list.pk}/items/{item.pk}/delete/")
    assert removed.status_code == 302
    assert not PriceListItem.objects.filter(price_list=price_list).exists()


def company_price_list(company, name):
    from tandem.catalog.models import PriceList

    return PriceList.objects.get(company=company, name=name)


def test_hostile_query_strings_are_not_server_errors(web, make_product):
    product = make_product("HQ-1")
    huge = str(2**70)
    assert web.get("/catalog/", {"category": huge, "page": "x", "sort": "evil"}).status_code == 200
    detail = web.get(
        f"/catalog/products/{product.pk}/", {"party": huge, "quantity": "1", "uom": huge}
    )
    assert detail.status_code == 200
    assert 'class="errorlist"' in detail.content.decode()


def test_the_catalog_speaks_chinese(web, make_product):
    make_product("ZH-1")
    page = web.get("/catalog/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).content.decode()
    assert "货号、名称或条码" in page
    assert "价目表" in page
