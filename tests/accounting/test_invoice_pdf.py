"""Invoice PDFs: in the document's language, with the Chinese text in an embedded CJK font."""

import re
import zlib
from datetime import date

import pytest

from tandem.accounting.pdf import cjk_font, document_language, invoice_pdf
from tests.accounting.conftest import YEAR, D


@pytest.fixture
def font_installed():
    # A missing font must fail, not skip: without it the PDF silently drops the Chinese text.
    if cjk_font() is None:
        pytest.fail("No CJK font: apt-get install fonts-noto-cjk or set TANDEM_PDF_FONT (README)")


def text_of(pdf: bytes) -> str:
    """The Unicode text the PDF's ToUnicode maps declare for its glyphs (CJK included)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    found = []
    for raw in streams:
        try:
            data = zlib.decompress(raw)
        except zlib.error:
            data = raw
        if b"beginbfchar" in data or b"beginbfrange" in data:
            for hexa in re.findall(rb"<([0-9A-Fa-f]{4,})>\s*<([0-9A-Fa-f]{4,})>", data):
                found.append(chr(int(hexa[1][:4], 16)))
    return "".join(found)


@pytest.mark.django_db
def test_a_chinese_invoice_pdf_embeds_the_chinese_text(font_installed, draft, taxes, customer):
    customer.name = "北京客户有限公司"
    customer.save()
    invoice = draft(
        [
            {
                "description": "龙井茶",
                "quantity": D("2"),
                "unit_price": D("100"),
                "taxes": [taxes["销项税 13%"]],
            }
        ],
        post=True,
    )

    content, filename = invoice_pdf(invoice)

    assert content.startswith(b"%PDF")
    assert filename == f"INV-{YEAR}-00001.pdf"
    assert document_language(invoice) == "zh-hans"  # the company is in China
    glyphs = set(text_of(content))
    for char in "北京客户有限公司龙井茶":
        assert char in glyphs, char


@pytest.mark.django_db
def test_the_invoice_language_wins_over_the_company_s(draft):
    invoice = draft(language="en", date=date(YEAR, 3, 10))
    assert document_language(invoice) == "en"
    content, filename = invoice_pdf(invoice)
    assert content.startswith(b"%PDF")
    assert filename == f"draft-{invoice.pk}.pdf"
