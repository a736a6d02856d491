"""The UI kit's server side: the picker's searches, a product's line defaults, the live
totals and the refusals in cells (the clicking is in tests/browser/test_documents.py)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tandem.accounting.models import Invoice, Tax
from tandem.catalog.models import PriceList, PriceListItem
from tandem.catalog.services import product_create
from tandem.parties.models import Party
from tandem.sales import services
from tandem.sales.models import SalesOrder

pytestmark = pytest.mark.django_db
D = Decimal


def _items(response):
    assert response.status_code == 200
    return [item["label"] for item in response.json()["items"]]


def test_product_search_by_sku_name_or_barcode_in_the_company_only(
    web, books, other_company, make_product
):
    make_product("10", sku="LMP-001", name="Desk lamp", barcode="6901234567892")
    make_product("10", sku="CBL-002", name="Cable", can_be_sold=False)
    product_create(company=other_company, sku="LMP-999", name="Desk lamp elsewhere")
    url = reverse("web:pick_products")
    assert _items(web.get(url, {"q": "lmp", "scope": "sale"})) == ["[LMP-001] Desk lamp"]
    assert _items(web.get(url, {"q": "desk", "scope": "sale"})) == ["[LMP-001] Desk lamp"]
    assert _items(web.get(url, {"q": "4567892", "scope": "sale"})) == ["[LMP-001] Desk lamp"]
    # not for sale: offered on purchases only
    assert _items(web.get(url, {"q": "cable", "scope": "sale"})) == []
    assert _items(web.get(url, {"q": "cable", "scope": "purchase"})) == ["[CBL-002] Cable"]


def test_party_search_narrows_to_customers_or_suppliers(web, books, customer):
    Party.objects.create(company=books, name="Beijing Maker", is_supplier=True, currency_id="CNY")
    url = reverse("web:pick_party")
    assert _items(web.get(url, {"q": "beijing", "role": "customer"})) == ["Beijing Customer"]
    assert _items(web.get(url, {"q": "beijing", "role": "supplier"})) == ["Beijing Maker"]


def test_line_defaults_take_the_documents_price_list_and_default_taxes(
    web, books, customer, make_product, vat13
):
    product = make_product("100")
    special = PriceList.objects.create(company=books, name="Trade", currency_id="CNY")
    PriceListItem.objects.create(
        company=books, price_list=special, product=product, unit_price=D("80")
    )
    url = reverse("web:line_defaults")
    plain = web.get(url, {"scope": "sale", "product": product.pk, "party": customer.pk}).json()
    assert (plain["unit_price"], plain["taxes"]) == ("100", [vat13.pk])
    assert plain["uom"] == product.uom_id
    listed = web.get(
        url,
        {"scope": "sale", "product": product.pk, "party": customer.pk, "price_list": special.pk},
    ).json()
    assert listed["unit_price"] == "80"
    purchase = web.get(url, {"scope": "purchase", "product": product.pk}).json()
    assert purchase["unit_price"] == "60"  # no supplier price: the cost price
    assert web.get(url, {"scope": "sale", "product": "999999"}).status_code == 404
    assert web.get(url, {"scope": "nonsense", "product": product.pk}).status_code == 422


def test_live_totals_show_tax_per_rate_and_refused_cells(web, books, customer, make_product):
    lamp, pen = make_product("100"), make_product("10", taxed=False)
    vat9 = Tax.objects.get(company=books, scope="sale", name="销项税 9%")
    url = reverse("sales:order_preview")
    data = {
        "party": customer.pk,
        "lines-a-product": lamp.pk,
        "lines-a-quantity": "2",
        "lines-b-product": pen.pk,
        "lines-b-quantity": "3",
        "lines-b-taxes_set": "1",
        "lines-b-taxes": [vat9.pk],
        "lines-c-product": "",  # a row added and left empty
    }
    response = web.post(url, data)
    figures = response.context["figures"]
    assert (figures["untaxed"], figures["tax"], figures["total"]) == (
        D("230.00"),
        D("28.70"),
        D("258.70"),
    )
    assert [(t["base"], t["amount"]) for t in figures["taxes"]] == [
        (D("30.00"), D("2.70")),
        (D("200.00"), D("26.00")),
    ] or [(t["base"], t["amount"]) for t in figures["taxes"]] == [
        (D("200.00"), D("26.00")),
        (D("30.00"), D("2.70")),
    ]
    html = response.content.decode()
    assert 'id="line-a-amount"' in html and "200.00" in html
    refused = web.post(url, {**data, "lines-b-quantity": "three"})
    assert refused.context["figures"] == {}
    assert 'id="line-b-quantity-error" hx-swap-oob="true">Enter a number.' in (
        refused.content.decode()
    )
    assert SalesOrder.objects.count() == 0


def test_a_tax_of_the_wrong_scope_is_refused_in_its_cell(web, books, customer, make_product):
    lamp = make_product("100")
    purchase_tax = Tax.objects.get(company=books, scope="purchase", name="进项税 13%")
    response = web.post(
        reverse("sales:order_create"),
        {
            "party": customer.pk,
            "lines-a-product": lamp.pk,
            "lines-a-quantity": "1",
            "lines-a-taxes_set": "1",
            "lines-a-taxes": [purchase_tax.pk],
        },
    )
    assert response.status_code == 422
    row = response.context["editor"]["rows"][0]
    assert row["errors"] == {"taxes": "This tax does not apply to this document."}
    assert SalesOrder.objects.count() == 0


def test_rows_keep_the_page_order_and_an_edit_keeps_them(web, books, customer, make_product):
    lamp, pen = make_product("100", name="Lamp"), make_product("10", name="Pen")
    data = {
        "party": customer.pk,
        "lines-n2-product": pen.pk,
        "lines-n2-quantity": "3",
        "lines-n1-product": lamp.pk,
        "lines-n1-quantity": "1",
    }
    response = web.post(reverse("sales:order_create"), data)
    order = SalesOrder.objects.get()
    assert response.status_code == 302
    assert [li.product_id for li in order.lines.order_by("sequence")] == [pen.pk, lamp.pk]
    page = web.get(reverse("sales:order_edit", args=[order.pk]))
    rows = page.context["editor"]["rows"]
    assert [(r["product"], r["quantity"]) for r in rows] == [
        (str(pen.pk), "3"),
        (str(lamp.pk), "1"),
    ]
    assert page.context["figures"]["total"] == order.total_amount


def test_an_invoice_edit_keeps_each_lines_order_link(web, books, customer, make_product):
    lamp = make_product("100", type="service")
    order = services.sales_order_create(
        company=books, party=customer, lines=[{"product": lamp, "quantity": D(2)}]
    )
    services.sales_order_confirm(order=order)
    invoice = services.sales_order_invoice(orders=[order])
    origin = invoice.lines.get().origin_line
    assert origin
    page = web.get(reverse("accounting:invoice_edit", args=[invoice.pk]))
    row = page.context["editor"]["rows"][0]
    assert row["origin_line"] == origin
    data = {
        "party": customer.pk,
        "date": invoice.date.isoformat(),
        "save": "1",
        f"lines-{row['key']}-product": row["product"],
        f"lines-{row['key']}-quantity": "1",
        f"lines-{row['key']}-unit_price": row["unit_price"],
        f"lines-{row['key']}-taxes_set": "1",
        f"lines-{row['key']}-taxes": row["taxes"],
        f"lines-{row['key']}-origin_line": row["origin_line"],
    }
    response = web.post(reverse("accounting:invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 302
    line = Invoice.objects.get(pk=invoice.pk).lines.get()
    assert (line.quantity, line.origin_line) == (D(1), origin)


def test_a_clerk_cannot_use_the_pickers_without_a_company(db):
    anonymous = Client().get(reverse("web:pick_products"), {"q": "x"})
    assert anonymous.status_code == 302  # to the login page
