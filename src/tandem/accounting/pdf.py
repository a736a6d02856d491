"""Invoices as PDF (fpdf2), in the document's language, with Chinese set in a CJK font.

The CJK font is not shipped with Tandem: it is looked up among installed system fonts
(Debian's fonts-noto-cjk, else fonts-wqy-zenhei / -microhei), or at the path named by
TANDEM_PDF_FONT. Without one, the PDF falls back to a core font and Chinese text becomes
"?" rather than failing.
"""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FAMILY = "tandem-cjk"


@lru_cache(maxsize=4)
def _collection_index(path: str) -> int:
    """The face of a TrueType collection that is Simplified Chinese (SC), else the first."""
    if not path.lower().endswith(".ttc"):
        return 0
    try:
        from fontTools.ttLib import TTCollection

        with TTCollection(path, lazy=True) as collection:
            for index, face in enumerate(collection.fonts):
                name = face["name"].getDebugName(4) or ""
                if " SC" in name or "简" in name:
                    return index
    except Exception:  # an unreadable collection: fpdf2 will say so when it loads it
        return 0
    return 0


def cjk_font() -> tuple[str, int] | None:
    """(path, face index) of the CJK font to embed, or None when none is installed."""
    configured = os.environ.get("TANDEM_PDF_FONT", "").strip()
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and Path(path).is_file():
            return path, _collection_index(path)
    return None


def document_language(invoice) -> str:
    """The invoice's language, else the party's (if parties get one), else the company's."""
    if invoice.language:
        return invoice.language
    party_language = getattr(invoice.party, "language", "")
    if party_language:
        return party_language
    return "zh-hans" if invoice.company.country == "CN" else "en"


def _titles():
    return {
        "customer_invoice": _("Invoice"),
        "customer_credit_note": _("Credit note"),
        "vendor_bill": _("Vendor bill"),
        "vendor_credit_note": _("Vendor credit note"),
    }


class _Pdf(FPDF):
    def __init__(self, font: tuple[str, int] | None):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.unicode_font = font is not None
        if font is not None:
            path, index = font
            self.add_font(FAMILY, "", path, collection_font_number=index)
            self.family_name = FAMILY
        else:
            self.family_name = "helvetica"
        self.set_auto_page_break(auto=True, margin=15)
        self.alias_nb_pages()

    def text_of(self, value) -> str:
        text = "" if value is None else str(value)
        if self.unicode_font:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def write_cell(self, width, height, value, *, align="L", border=0, size=9, new_line=False):
        self.set_font(self.family_name, size=size)
        self.cell(
            width,
            height,
            self.text_of(value),
            border=border,
            align=align,
            new_x="LMARGIN" if new_line else "RIGHT",
            new_y="NEXT" if new_line else "TOP",
        )

    def footer(self):
        self.set_y(-12)
        self.write_cell(0, 6, f"{self.page_no()}/{{nb}}", align="C", size=8)


def invoice_pdf(invoice) -> tuple[bytes, str]:
    """(PDF bytes, file name) of an invoice whose lines and tax lines are loaded."""
    language = document_language(invoice)
    with translation.override(language):
        content = _render(invoice, language)
    name = (invoice.number or f"draft-{invoice.pk}").replace("/", "-")
    return content, f"{name}.pdf"


def _render(invoice, language: str) -> bytes:
    locale = "zh_CN" if language.startswith("zh") else "en"

    def money(value: Decimal) -> str:
        return format_decimal(value, format="#,##0.00", locale=locale)

    def number(value: Decimal) -> str:
        return format_decimal(value.normalize(), format="#,##0.######", locale=locale)

    pdf = _Pdf(cjk_font())
    pdf.set_title(pdf.text_of(f"{_titles()[invoice.kind]} {invoice.number}"))
    pdf.add_page()
    company = invoice.company
    pdf.write_cell(0, 9, company.name, size=15, new_line=True)
    pdf.ln(2)
    title = _titles()[invoice.kind]
    if invoice.state == "draft":
        title = f"{title} ({_('Draft')})"
    elif invoice.state == "cancelled":
        title = f"{title} ({_('Cancelled')})"
    pdf.write_cell(0, 8, f"{title} {invoice.number}".strip(), size=13, new_line=True)
    pdf.ln(2)
    facts = [
        (_("Customer") if invoice.is_outbound else _("Supplier"), invoice.party.name),
        (_("Tax ID"), invoice.party.tax_id),
        (_("Invoice date"), invoice.date.isoformat()),
        (_("Due date"), invoice.due_date.isoformat() if invoice.due_date else ""),
        (_("Currency"), invoice.currency_id),
        (_("Reference"), invoice.reference),
        (_("Origin"), invoice.origin),
    ]
    for label, value in facts:
        if value:
            pdf.write_cell(35, 6, label)
            pdf.write_cell(0, 6, value, new_line=True)
    pdf.ln(4)

    widths = (70, 20, 25, 15, 25, 35)
    headers = (
        _("Description"),
        _("Quantity"),
        _("Unit price"),
        _("Disc. %"),
        _("Taxes"),
        _("Amount"),
    )
    for width, header in zip(widths, headers, strict=True):
        pdf.write_cell(width, 7, header, border="B", align="L" if width == 70 else "R")
    pdf.ln(7)
    for line in invoice.lines.all():
        taxes = ", ".join(t.label or t.name for t in line.taxes.all())
        cells = (
            line.description[:60],
            number(line.quantity),
            number(line.unit_price),
            number(line.discount) if line.discount else "",
            taxes[:18],
            money(line.untaxed_amount),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.write_cell(width, 6, value, align="L" if width == 70 else "R")
        pdf.ln(6)
    pdf.ln(3)

    for tax_line in invoice.tax_lines.all():
        label = f"{tax_line.tax.label or tax_line.tax.name} ({_('base')} {money(tax_line.base)})"
        pdf.write_cell(155, 6, label, align="R")
        pdf.write_cell(35, 6, money(tax_line.amount), align="R", new_line=True)
    totals = [
        (_("Untaxed amount"), invoice.untaxed_amount),
        (_("Tax"), invoice.tax_amount),
        (_("Total"), invoice.total_amount),
    ]
    if invoice.state == "posted":
        totals.append((_("Amount due"), invoice.residual_amount))
    for label, value in totals:
        pdf.write_cell(155, 7, label, align="R", size=10)
        pdf.write_cell(35, 7, f"{money(value)} {invoice.currency_id}", align="R", size=10)
        pdf.ln(7)
    if invoice.narration:
        pdf.ln(4)
        pdf.set_font(pdf.family_name, size=9)
        pdf.multi_cell(0, 5, pdf.text_of(invoice.narration[:4000]))
    return bytes(pdf.output())


__all__ = ["cjk_font", "document_language", "invoice_pdf"]
