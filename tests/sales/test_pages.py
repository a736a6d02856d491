from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from tandem.sales import services
from tandem.sales.models import OrderException, SalesOrder

D = Decimal
pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(make_product, order_of, stock_in):
    product = make_product("100")
    stock_in(product, 1)
    return services.sales_order_confirm(order=order_of((product, 3)))


def test_pages_render(web, confirmed, books):
    services.sla_policy_create(company=books, stage="allocated", target_hours=D("2"))
    for name, args in (
        ("sales:home", []),
        ("sales:order_list", []),
        ("sales:order_create", []),
        ("sales:order_detail", [confirmed.pk]),
        ("sales:exception_list", []),
        ("sales:sla_settings", []),
    ):
        response = web.get(reverse(name, args=args))
        assert response.status_code == 200, name
    detail = web.get(reverse("sales:order_detail", args=[confirmed.pk])).content.decode()
    assert confirmed.number in detail and "339.00" in detail
    queue = web.get(reverse("sales:exception_list")).content.decode()
    assert "Stock shortage" in queue


def test_the_order_log_and_exception_stages_read_as_words(
    web, make_product, order_of, manager, stock_in
):
    order = order_of((make_product("100"), 1, {"unit_price": D("80")}), user=manager)
    page = web.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "Sold below the price-list price" in page and "price_below_floor" not in page
    # a failed delivery names its stage by label, not by code
    product = make_product("10")
    stock_in(product, 1)
    shipped = services.delivery_step(
        order=services.sales_order_confirm(order=order_of((product, 1))), step="ship"
    )
    services.delivery_failed(order=shipped, note="nobody home")
    queue = web.get(reverse("sales:exception_list")).content.decode()
    assert "Delivery failed · Delivered" in queue


def test_list_filters_and_exports(web, confirmed, order_of, make_product):
    order_of((make_product("5"), 1))
    listed = web.get(reverse("sales:order_list"), {"state": "confirmed"})
    assert confirmed.number in listed.content.decode()
    assert listed.context["page"].paginator.count == 1
    csv = web.get(reverse("sales:order_list"), {"state": "confirmed", "format": "csv"})
    body = b"".join(csv.streaming_content).decode()
    assert body.count("\n") == 2 and confirmed.number in body
    xlsx = web.get(reverse("sales:order_list"), {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_order_form_previews_and_saves(web, customer, make_product):
    product = make_product("100")
    data = {
        "party": customer.pk,
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": product.pk,
        "lines-0-quantity": "2",
        "lines-0-discount": "0",
    }
    # the line editor's live totals: the preview endpoint, by the service that saves
    preview = web.post(reverse("sales:order_preview"), data)
    assert preview.status_code == 200
    assert preview.context["figures"]["total"] == D("226.00")
    assert 'data-testid="total"' in preview.content.decode()
    assert SalesOrder.objects.count() == 0
    saved = web.post(reverse("sales:order_create"), {**data, "action": "save"})
    order = SalesOrder.objects.get()
    assert saved.status_code == 302 and saved["Location"].endswith(f"/orders/{order.pk}/")
    assert order.total_amount == D("226.00")


def test_form_shows_a_refusal_on_its_line(clerk, customer, make_product):
    # a salesperson may not go below the price list; owners hold the override
    web = Client()
    web.force_login(clerk)
    product = make_product("100")
    response = web.post(
        reverse("sales:order_create"),
        {
            "party": customer.pk,
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "1",
            "lines-0-unit_price": "10",
            "action": "save",
        },
    )
    assert response.status_code == 422
    row = response.context["editor"]["rows"][0]
    assert row["errors"]["unit_price"] == "Below the price-list price (100)."
    assert row["unit_price"] == "10"  # what was typed is still there
    assert "Below the price-list price (100)." in response.content.decode()
    assert SalesOrder.objects.count() == 0


def test_actions_and_resolve_from_the_pages(web, order_of, make_product, customer):
    order = order_of((make_product("10", type="service"), 1))
    response = web.post(reverse("sales:order_confirm", args=[order.pk]))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "confirmed"
    customer.credit_limit = D("1.00")
    customer.save()
    held = order_of((make_product("10", type="service"), 1))
    web.post(reverse("sales:order_confirm", args=[held.pk]))
    exception = OrderException.objects.get(order=held)
    resolved = web.post(reverse("sales:exception_resolve", args=[exception.pk]), {"note": ""})
    assert resolved.status_code == 302
    exception.refresh_from_db()
    assert exception.state == "open"


def test_a_prepaid_order_page_says_it_waits_for_payment(web, make_product, order_of, stock_in):
    product = make_product("100")
    stock_in(product, 2)
    order = services.sales_order_confirm(order=order_of((product, 1), prepaid=True))
    page = web.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "Waiting for payment" in page
    # the edit form of a quotation shows the order's own choice
    quotation = order_of((product, 1), prepaid=True)
    form = web.get(reverse("sales:order_edit", args=[quotation.pk])).content.decode()
    assert '<option value="true" selected>' in form
