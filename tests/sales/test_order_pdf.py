"""The quotation and order confirmation in the shared layout: a Chinese customer's quotation
comes out in Chinese with a Chinese date; both languages carry both parties, the tax summary
and the amount in words; the discount header does not run into the next one."""

import io
from datetime import date

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from tandem.core.documents.fonts import cjk_bold_font, cjk_font
from tandem.sales import services
from tests.pdf_helpers import BUYER_USCC, USCC, addresses, full_profile, pdf_text
from tests.sales.conftest import YEAR, D

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def profile(books, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return full_profile(books)


@pytest.fixture
def quotation(order_of, make_product, customer):
    addresses(customer)
    tea = make_product("3500", name="龙井茶 Longjing tea")
    cups = make_product("80", name="Tea cups, porcelain, set of six with a long description")
    return order_of(
        (tea, 3),
        (cups, 10, {"discount": D("12.5")}),
        order_date=date(YEAR, 12, 6),
    )


def test_a_chinese_customer_s_quotation_is_in_chinese_with_a_chinese_date(quotation, customer):
    customer.language = "zh-hans"
    customer.save()
    text = pdf_text(services.order_pdf(quotation), "quotation-zh-hans")
    assert "报价单" in text
    assert f"{YEAR}年12月6日" in text
    assert "Dec" not in text and f"12/6/{YEAR % 100}" not in text
    assert USCC in text and BUYER_USCC in text
    assert "建国路88号" in text and "津塘路7号仓库" in text and "世纪大道100号" in text
    # 10500 + 700 = 11200 untaxed; 13 % = 1456; 12656 in all
    assert quotation.total_amount == D("12656.00")
    assert "13%" in text and "11,200.00" in text and "1,456.00" in text
    assert "人民币壹万贰仟陆佰伍拾陆元整" in text


def test_an_english_order_confirmation_has_english_dates_and_words(quotation, customer, owner):
    customer.language = "en"
    customer.save()
    order = services.sales_order_confirm(order=quotation, user=owner)
    text = pdf_text(services.order_pdf(order), "order-en")
    assert "Orderconfirmation" in text
    assert f"6Dec{YEAR}" in text
    assert USCC in text and "建国路88号" in text and "津塘路7号仓库" in text
    assert "Twelvethousand,sixhundredandfifty-sixyuan" in text
    assert "人民币壹万贰仟陆佰伍拾陆元整" in text


def test_the_discount_header_keeps_clear_of_its_neighbours(quotation, customer):
    customer.language = "en"
    customer.save()
    page = PdfReader(io.BytesIO(services.order_pdf(quotation))).pages[0]
    spans = []

    def visitor(text, cm, tm, font_dict, font_size):
        text = text.replace("\x00", "").strip()
        if text:
            spans.append((text, tm[4], tm[5]))

    page.extract_text(visitor_text=visitor)
    headers = {"Quantity", "Unit price", "Discount (%)", "Taxes", "Amount"}
    row = sorted((x, t) for t, x, y in spans if t in headers)
    assert [t for _, t in row] == ["Quantity", "Unit price", "Discount (%)", "Taxes", "Amount"]
    # each header ends before the next begins: its width, measured in the same (bold) face
    pdf = FPDF()
    regular, bold = cjk_font(), cjk_bold_font()
    pdf.add_font("f", "B", bold[0], collection_font_number=bold[1]) if bold else None
    pdf.add_font("f", "", regular[0], collection_font_number=regular[1])
    pdf.set_font("f", "B" if bold else "", 9)
    for (x, text), (next_x, _next) in zip(row, row[1:], strict=False):
        width_pt = pdf.get_string_width(text) * 72 / 25.4
        assert x + width_pt < next_x, text


def test_the_delivery_slip_goes_to_the_order_s_delivery_address(
    order_of, make_product, customer, stock_in, owner
):
    # given a customer with its default shipping address in Tianjin, and an order that asks
    # for delivery to another of its addresses, a site in Suzhou
    from tandem.inventory.pdf import transfer_pdf
    from tandem.parties.models import Address

    addresses(customer)
    site = Address.objects.create(
        company=customer.company,
        party=customer,
        kind="shipping",
        street="金鸡湖大道1号工地",
        city="苏州工业园区",
        state="江苏省",
        postal_code="215000",
        country="CN",
    )
    lamp = make_product("100", name="Lamp")
    stock_in(lamp, 5)
    order = order_of((lamp, 2), delivery_address=site)
    # when it is confirmed, the delivery it makes carries that address
    order = services.sales_order_confirm(order=order, user=owner)
    delivery = order.transfers.get()
    assert delivery.address_id == site.pk
    # and the slip prints it, not the customer's default shipping address
    text = pdf_text(transfer_pdf(delivery)[0], "delivery-slip-site")
    assert "金鸡湖大道1号工地" in text
    assert "津塘路7号仓库" not in text
    assert "建国路88号" in text  # the customer block keeps its billing address
