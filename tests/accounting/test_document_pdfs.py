"""Invoices, credit notes, vendor bills and payment receipts in the shared layout, in both
languages: what the text layer must carry (seller tax id and address, buyer addresses, tax
summary per rate, the amount in words)."""

from decimal import Decimal

import pytest

from tandem.accounting.pdf import invoice_pdf, payment_pdf
from tandem.accounting.services.invoices import invoice_credit, invoice_post
from tandem.accounting.services.payments import payment_create, payment_post
from tests.accounting.conftest import YEAR, D
from tests.pdf_helpers import BUYER_USCC, USCC, addresses, full_profile, pdf_text, squeezed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def profile(company, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return full_profile(company)


@pytest.fixture
def invoice(draft, taxes, customer):
    addresses(customer)
    return draft(
        [
            {
                "description": "龙井茶 Longjing tea",
                "quantity": D("3"),
                "unit_price": D("3500"),
                "taxes": [taxes["销项税 13%"]],
            },
            {
                "description": "Consulting",
                "quantity": D("1"),
                "unit_price": D("1000"),
                "discount": D("10"),
                "taxes": [taxes["销项税 6%"]],
            },
        ],
        post=True,
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customer_invoice_carries_both_parties_taxes_and_words(invoice, customer, language):
    customer.language = language
    customer.save()
    content, _name = invoice_pdf(invoice)
    text = pdf_text(content, f"invoice-{language}")
    # 3 x 3500 at 13 % + 900 at 6 % = 10500 + 1365 + 900 + 54 = 12819.00
    assert invoice.total_amount == Decimal("12819.00")
    assert USCC in text and BUYER_USCC in text
    assert "世纪大道100号" in text  # the seller's street
    assert "建国路88号" in text and "津塘路7号仓库" in text  # billing and shipping
    assert "13%" in text and "6%" in text
    assert "10,500.00" in text and "1,365.00" in text  # base and tax of the 13 % line
    assert "人民币壹万贰仟捌佰壹拾玖元整" in text  # 大写 for RMB in both languages
    if language == "en":
        assert "Invoice" in text and "10Mar" + str(YEAR) in text
        assert squeezed("Twelve thousand, eight hundred and nineteen yuan") in text
    else:
        assert "发票" in text and f"{YEAR}年3月10日" in text
        assert "6225881234567890" in text  # the bank account


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_credit_note_and_a_vendor_bill_use_the_same_layout(
    invoice, draft, supplier, taxes, owner, language
):
    invoice.party.language = language
    invoice.party.save()
    note = invoice_post(invoice=invoice_credit(invoice=invoice, user=owner), user=owner)
    text = pdf_text(invoice_pdf(note)[0], f"credit-note-{language}")
    assert USCC in text and "建国路88号" in text and "人民币壹万贰仟捌佰壹拾玖元整" in text

    supplier.language = language
    supplier.save()
    addresses(supplier)
    bill = draft(kind="vendor_bill", party=supplier, post=True, reference="SUP-77")
    text = pdf_text(invoice_pdf(bill)[0], f"vendor-bill-{language}")
    assert USCC in text and BUYER_USCC in text and "建国路88号" in text
    assert "13%" in text and "人民币贰佰贰拾陆元整" in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_payment_receipt_lists_what_it_paid(company, invoice, customer, owner, language):
    customer.language = language
    customer.save()
    payment = payment_create(
        company=company,
        direction="in",
        party=customer,
        amount=D("12819.00"),
        date=invoice.date,
        allocations=[(invoice, D("12819.00"))],
        user=owner,
    )
    payment = payment_post(payment=payment, user=owner)
    content, name = payment_pdf(payment)
    text = pdf_text(content, f"payment-{language}")
    assert name.endswith(".pdf")
    assert USCC in text and "建国路88号" in text and invoice.number in text
    assert "人民币壹万贰仟捌佰壹拾玖元整" in text
    assert ("Paymentreceipt" if language == "en" else "收款") in text
