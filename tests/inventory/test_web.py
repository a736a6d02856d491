"""Inventory pages: render, scan, act; hot list pages take a fixed number of queries."""

import pytest
from django.urls import reverse

from tandem.inventory import services

from .conftest import D, assert_integrity, balance, level

pytestmark = pytest.mark.django_db


def test_every_page_renders(web, wh, make_product, receive):
    product = make_product("fifo")
    receipt = receive(product, "3", "2.00")
    count = services.inventory_count_create(company=wh.company, location=wh.stock_location)
    for url in [
        reverse("inventory:home"),
        reverse("inventory:transfer_list"),
        reverse("inventory:transfer_create"),
        reverse("inventory:transfer_detail", args=[receipt.pk]),
        reverse("inventory:stock_levels") + f"?product={product.pk}",
        reverse("inventory:stock_moves") + f"?location={wh.stock_location.pk}",
        reverse("inventory:valuation"),
        reverse("inventory:warehouses"),
        reverse("inventory:count_list"),
        reverse("inventory:count_detail", args=[count.pk]),
    ]:
        response = web.get(url)
        assert response.status_code == 200, url
    xlsx = web.get(reverse("inventory:valuation") + "?format=xlsx")
    assert xlsx["Content-Disposition"].endswith('.xlsx"')


def test_scanning_processes_a_delivery_and_the_rest_waits(web, wh, make_product, receive, deliver):
    # given a reserved delivery of 3
    product = make_product("fifo", sku="SCAN-1", barcode="6901234567892")
    receive(product, "5", "4.00")
    delivery = services.transfer_assign(transfer=deliver(product, "3"))
    scan = reverse("inventory:transfer_scan", args=[delivery.pk])
    # when the clerk scans the barcode twice and validates
    for _ in range(2):
        response = web.post(scan, {"code": "6901234567892"}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert b'id="moves"' in response.content
    wrong = web.post(scan, {"code": "NOPE"}, headers={"HX-Request": "true"})
    assert b"no such product" in wrong.content
    web.post(reverse("inventory:transfer_action", args=[delivery.pk, "done"]))
    # then two left, one waits on a backorder with its reservation
    delivery.refresh_from_db()
    assert delivery.state == "done"
    assert level(product, wh.stock_location) == (D(3), D(1))
    assert balance(wh.company, "cogs") == D("8.00")
    assert_integrity()


def test_the_create_form_makes_a_receipt(web, wh, make_product):
    product = make_product("average")
    response = web.post(
        reverse("inventory:transfer_create"),
        {
            "kind": "receipt",
            "warehouse": wh.pk,
            "product_0": product.pk,
            "quantity_0": "4",
            "unit_cost_0": "2.50",
        },
    )
    assert response.status_code == 302
    bad = web.post(
        reverse("inventory:transfer_create"),
        {"kind": "receipt", "warehouse": wh.pk, "product_0": product.pk, "quantity_0": "-1"},
    )
    assert bad.status_code == 422


def test_a_count_sheet_by_scanning(web, wh, make_product, receive):
    product = make_product("fifo", sku="CNT-1")
    receive(product, "5", "1.00")
    count = services.inventory_count_create(company=wh.company, location=wh.stock_location)
    url = reverse("inventory:count_detail", args=[count.pk])
    web.post(url, {"code": "cnt-1", "counted": "4"})
    web.post(url, {"action": "apply"})
    assert level(product, wh.stock_location) == (D(4), D(0))
    assert_integrity()


def test_list_pages_take_a_fixed_number_of_queries(
    web, wh, make_product, receive, django_assert_max_num_queries
):
    for _ in range(6):
        receive(make_product("fifo"), "2", "1.00")
    web.get(reverse("inventory:transfer_list"))  # warm the session and permissions
    with django_assert_max_num_queries(12):
        assert web.get(reverse("inventory:transfer_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert web.get(reverse("inventory:stock_levels")).status_code == 200
