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
