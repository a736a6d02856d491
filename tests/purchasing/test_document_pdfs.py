"""The purchase order and its goods receipt in the shared layout, through the API, in both
languages: seller tax id and address, the supplier's address, tax summary and words."""

import pytest

from tandem.purchasing.models import PurchaseReceipt
from tandem.purchasing.services.orders import purchase_order_confirm, purchase_order_create
from tests.pdf_helpers import BUYER_USCC, USCC, addresses, full_profile, pdf_text
from tests.purchasing.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def profile(company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return full_profile(company)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_purchase_order_and_its_receipt_print_in_the_supplier_s_language(
    api, company, supplier, widget, warehouse, owner, language
):
    supplier.language = language
    supplier.save()
    addresses(supplier)
    order = purchase_order_create(
        company=company,
        supplier=supplier,
        warehouse=warehouse,
        lines=[{"product": widget, "quantity": D("100"), "unit_price": D("8.50")}],
        user=owner,
    )
    order = purchase_order_confirm(order=order, user=owner)

    response = api.get(f"/purchase-orders/{order.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, f"purchase-order-{language}")
    # 850.00 + 13 % = 960.50
    assert USCC in text and BUYER_USCC in text
    assert "建国路88号" in text and "世纪大道100号" in text
    assert "13%" in text and "850.00" in text and "110.50" in text
    assert "人民币玖佰陆拾元伍角" in text
    assert ("采购订单" if language == "zh-hans" else "Purchaseorder") in text

    receipt = PurchaseReceipt.objects.get(order=order).transfer
    response = api.get(f"/transfers/{receipt.pk}/pdf")
    assert response.status_code == 200
    text = pdf_text(response.content, f"receipt-{language}")
    assert USCC in text and "建国路88号" in text and "W-1" in text and "100" in text
    assert ("入库单" if language == "zh-hans" else "Goodsreceipt") in text


def test_an_unknown_document_is_a_404(api):
    assert api.get("/purchase-orders/999999/pdf").status_code == 404
    assert api.get("/transfers/999999/pdf").status_code == 404
    assert api.get("/payments/999999/pdf").status_code == 404
