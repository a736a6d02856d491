"""The purchase order page offers "Cancel" only while the service would allow it."""

import pytest
from django.urls import reverse

from tandem.purchasing.models import PurchaseOrder

from .test_api import rfq  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_no_cancel_on_a_received_order(api, rfq, web):  # noqa: F811
    pk = rfq["id"]
    cancel = reverse("purchasing:order_action", args=[pk, "cancel"])
    api.post(f"/purchase-orders/{pk}/confirm")
    page = reverse("purchasing:order_detail", args=[pk])
    assert cancel in web.get(page).content.decode()
    api.post(f"/purchase-orders/{pk}/receive")
    assert cancel not in web.get(page).content.decode()
    refused = api.post(f"/purchase-orders/{pk}/cancel")
    assert (refused.status_code, refused.json()["code"]) == (409, "purchase.received")
    assert PurchaseOrder.objects.get(pk=pk).state == "confirmed"


def test_the_api_lists_the_same_actions_as_the_page(api, rfq, web):  # noqa: F811
    pk = rfq["id"]
    page = reverse("purchasing:order_detail", args=[pk])
    assert api.get(f"/purchase-orders/{pk}").json()["available_actions"] == [
        "send",
        "confirm",
        "cancel",
    ]
    confirmed = api.post(f"/purchase-orders/{pk}/confirm").json()
    assert confirmed["available_actions"] == ["receive", "bill", "cancel"]
    received = api.post(f"/purchase-orders/{pk}/receive").json()
    assert received["available_actions"] == ["bill"]
    billed = api.post(f"/purchase-orders/{pk}/bill", {"policy": "ordered"}).json()
    assert billed["available_actions"] == []
    html = web.get(page).content.decode()
    assert reverse("purchasing:order_action", args=[pk, "bill"]) not in html
    refused = api.post(f"/purchase-orders/{pk}/bill", {"policy": "ordered"})
    assert refused.status_code == 409, refused.json()
