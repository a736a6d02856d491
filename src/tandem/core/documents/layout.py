"""One layout for every business document Tandem prints (fpdf2, A4).

An app describes its document as a `Document` (the title, the facts beside it, the party
blocks, the line columns and rows, tax summary and totals) already translated and formatted
in the document's language; `render` lays it out the same way for all of them: the seller
block with logo, legal name, address and tax id; the buyer's addresses; the lines table with
column widths measured from its header and contents so that nothing overlaps; tax summary
per rate; totals; the amount in words; payment terms and bank details; page numbers.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from ..profile import company_default_bank_account, company_logo_bytes, company_profile
from .fonts import FAMILY, cjk_bold_font, cjk_font
from .words import amount_in_words

PAGE_WIDTH = 180.0  # A4 less 15 mm margins
MARGIN = 15.0
GROW_MIN = 55.0  # the description column never gets narrower than this
GREY = (110, 110, 110)
RULE = (200, 200, 200)
FILL = (242, 242, 242)


@dataclass
class Column:
    header: str
    align: str = "R"  # numbers right; text columns say "L"
    grow: bool = False  # the one column that takes the remaining width and wraps


@dataclass
class Block:
    title: str
    lines: list[str]


@dataclass
class Document:
    company: object
    language: str
    title: str
    number: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    tax_summary: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # the last one is stressed
    currency: str = ""
    words_amount: Decimal | None = None
    payment: list[tuple[str, str]] = field(default_factory=list)
    show_bank: bool = False
    notes: str = ""
    signatures: list[str] = field(default_factory=list)


class Formats:
    """Numbers, money and dates the way the document's language writes them (babel)."""

    def __init__(self, language: str):
        self.language = language
        self.chinese = language.startswith("zh")
        # en_GB: "6 Dec 2026", as European documents write it, not the US "Dec 6, 2026"
        self.locale = "zh_Hans_CN" if self.chinese else "en_GB"

    def money(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, format="#,##0.00", locale=self.locale)

    def number(self, value: Decimal | None) -> str:
        if value is None:
            return ""
        return format_decimal(Decimal(value).normalize(), format="#,##0.######", locale=self.locale)

    def percent(self, value: Decimal | None) -> str:
        return f"{self.number(value)} %" if value else ""

    def date(self, value: date | None) -> str:
        if value is None:
            return ""
        return format_date(value, "long" if self.chinese else "medium", locale=self.locale)

    def country(self, code: str) -> str:
        if not code:
            return ""
        return Locale.parse(self.locale).territories.get(code.upper(), code)


_CJK = re.compile(r"[\u3400-\u9fff]")
# countries whose addresses read city, then state and postal code
STATE_AFTER_CITY = frozenset({"US", "CA", "AU"})


def address_lines(
    *,
    street: str = "",
    street2: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    country: str = "",
    language: str,
    home_country: str = "",
) -> list[str]:
    """An address as its lines, in the order its own script reads, whatever the document's
    language: one written in Chinese from the province down to the street (on one line, as
    written in China), any other from the street up to the country. The country is named
    only when it is not the seller's."""
    formats = Formats(language)
    country_name = formats.country(country) if country and country != home_country else ""
    if _CJK.search(street + city + state):
        # written in Chinese: one line from the province down; a Chinese document puts the
        # country in front, another names it last
        front = country_name if formats.chinese else ""
        head = "".join(p for p in (front, state, city) if p)
        lines = [head + street if head and street else head or street, street2]
        if postal_code:
            lines.append(f"{_('Postal code')} {postal_code}")
        if country_name and not front:
            lines.append(country_name)
        return [line for line in lines if line]
    if country in STATE_AFTER_CITY:  # "Springfield, IL 62701"
        locality = ", ".join(p for p in (city, " ".join(p for p in (state, postal_code) if p)) if p)
    else:  # "75008 Paris", "10115 Berlin, Berlin"
        locality = ", ".join(p for p in (" ".join(p for p in (postal_code, city) if p), state) if p)
    lines = [street, street2, locality, country_name]
    return [line for line in lines if line]


def company_name(company, language: str) -> str:
    profile = company_profile(company)
    if language.startswith("zh"):
        return profile.legal_name_zh or profile.legal_name_en or company.name
    return profile.legal_name_en or profile.legal_name_zh or company.name


def tax_id_label(country: str) -> str:
    return _("Unified social credit code") if country == "CN" else _("Tax ID")


def seller_lines(company, language: str) -> list[str]:
    """The lines under the seller's name: other-language name, address, tax id, contacts."""
    profile = company_profile(company)
    name = company_name(company, language)
    lines = []
    for other in (profile.legal_name_zh, profile.legal_name_en):
        if other and other != name and other not in lines:
            lines.append(other)
    lines += address_lines(
        street=profile.street,
        street2=profile.street2,
        city=profile.city,
        state=profile.state,
        postal_code=profile.postal_code,
        country=company.country,
        language=language,
        # a Chinese address within China names no country; an English one always does
        home_country=company.country if language.startswith("zh") else "",
    )
    if profile.tax_id:
        lines.append(f"{tax_id_label(company.country)}: {profile.tax_id}")
    contact = [
        f"{_('Tel.')} {profile.phone}" if profile.phone else "",
        profile.email,
    ]
    contact = [c for c in contact if c]
    if contact:
        lines.append(" · ".join(contact))
    # on a line of its own: a web address is not broken in the middle by the wrap
    website = profile.website.removeprefix("https://").removeprefix("http://").rstrip("/")
    if website:
        lines.append(website)
    return lines


class _Pdf(FPDF):
    def __init__(self, footer_text: str, page_label: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        font = cjk_font()
        self.unicode_font = font is not None
        self.has_bold = True
        if font is not None:
            self.add_font(FAMILY, "", font[0], collection_font_number=font[1])
            bold = cjk_bold_font()
            if bold is not None:
                self.add_font(FAMILY, "B", bold[0], collection_font_number=bold[1])
            else:
                self.has_bold = False
            self.family_name = FAMILY
        else:
            self.family_name = "helvetica"
        self.footer_text = footer_text
        self.page_label = page_label
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()
        self.set_creator("Tandem")

    def text_of(self, value) -> str:
        text = "" if value is None else str(value)
        if self.unicode_font:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, grey: bool = False):
        self.set_font(self.family_name, style="B" if bold and self.has_bold else "", size=size)
        self.set_text_color(*(GREY if grey else (0, 0, 0)))

    def line_at(self, x: float, width: float, text: str, *, height=4.6, align="L"):
        """One wrapped paragraph at x, leaving the cursor under it at the same x."""
        self.set_x(x)
        self.multi_cell(
            width,
            height,
            self.text_of(text),
            align=align,
            new_x="LEFT",
            new_y="NEXT",
            wrapmode=WrapMode.CHAR if _has_cjk(text) else WrapMode.WORD,
        )

    def footer(self):
        self.set_y(-14)
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.get_y(), MARGIN + PAGE_WIDTH, self.get_y())
        self.ln(1.5)
        self.font(7.5, grey=True)
        self.cell(PAGE_WIDTH * 0.75, 4, self.text_of(self.footer_text))
        label = self.page_label % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(PAGE_WIDTH * 0.25, 4, self.text_of(label), align="R")


def _has_cjk(text) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in str(text))


def render(doc: Document) -> bytes:
    """The document as PDF bytes, laid out in its language."""
    with translation.override(doc.language):
        return _render(doc)


def _render(doc: Document) -> bytes:
    company = doc.company
    profile = company_profile(company)
    name = company_name(company, doc.language)
    footer = " · ".join(
        p
        for p in (
            name,
            f"{tax_id_label(company.country)} {profile.tax_id}" if profile.tax_id else "",
        )
        if p
    )
    pdf = _Pdf(footer, _("Page %(page)s of %(pages)s"))
    pdf.set_title(pdf.text_of(f"{doc.title} {doc.number}".strip()))
    pdf.set_author(pdf.text_of(name))
    pdf.add_page()
    _header(pdf, doc, name)
    _blocks(pdf, doc)
    if doc.columns:
        _lines(pdf, doc)
    _summary(pdf, doc)
    _words(pdf, doc)
    _payment(pdf, doc)
    if doc.notes:
        pdf.ln(3)
        pdf.font(8.5, grey=True)
        pdf.line_at(MARGIN, PAGE_WIDTH, _("Notes"))
        pdf.font(9)
        pdf.line_at(MARGIN, PAGE_WIDTH, doc.notes[:4000])
    if doc.signatures:
        _signatures(pdf, doc)
    return bytes(pdf.output())


def _header(pdf: _Pdf, doc: Document, name: str) -> None:
    top = pdf.get_y()
    left_width = 100.0
    logo = company_logo_bytes(doc.company)
    y = top
    if logo:
        try:
            info = pdf.image(io.BytesIO(logo), x=MARGIN, y=top, h=16, keep_aspect_ratio=True)
            y = top + float(info.rendered_height) + 2
        except Exception:  # a logo fpdf2 cannot read must not stop the document
            y = top
    pdf.set_xy(MARGIN, y)
    pdf.font(12, bold=True)
    pdf.line_at(MARGIN, left_width, name, height=6)
    pdf.font(8.5)
    for line in seller_lines(doc.company, doc.language):
        pdf.line_at(MARGIN, left_width, line, height=4.3)
    left_bottom = pdf.get_y()

    right_x = MARGIN + left_width + 5
    right_width = PAGE_WIDTH - left_width - 5
    pdf.set_xy(right_x, top)
    pdf.font(17, bold=True)
    pdf.line_at(right_x, right_width, doc.title, height=8, align="R")
    if doc.number:
        pdf.font(10.5)
        pdf.line_at(right_x, right_width, doc.number, height=6, align="R")
    pdf.ln(2)
    label_width = right_width * 0.5
    for label, value in doc.facts:
        if not value:
            continue
        row_y = pdf.get_y()
        pdf.set_xy(right_x, row_y)
        pdf.font(8.5, grey=True)
        pdf.cell(label_width, 4.8, pdf.text_of(label))
        pdf.font(9)
        pdf.cell(right_width - label_width, 4.8, pdf.text_of(value), align="R")
        pdf.set_xy(right_x, row_y + 4.8)
    bottom = max(left_bottom, pdf.get_y()) + 4
    pdf.set_draw_color(*RULE)
    pdf.line(MARGIN, bottom, MARGIN + PAGE_WIDTH, bottom)
    pdf.set_xy(MARGIN, bottom + 3)


def _blocks(pdf: _Pdf, doc: Document) -> None:
    blocks = [b for b in doc.blocks if b.lines]
    if not blocks:
        return
    gap = 6.0
    width = (PAGE_WIDTH - gap * (len(blocks) - 1)) / len(blocks)
    top = pdf.get_y()
    bottom = top
    for index, block in enumerate(blocks):
        x = MARGIN + index * (width + gap)
        pdf.set_xy(x, top)
        pdf.font(8, grey=True)
        pdf.line_at(x, width, block.title, height=4.5)
        pdf.font(9.5, bold=True)
        pdf.line_at(x, width, block.lines[0], height=5)
        pdf.font(9)
        for line in block.lines[1:]:
            pdf.line_at(x, width, line, height=4.5)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(MARGIN, bottom + 5)


def _column_widths(pdf: _Pdf, columns: list[Column], rows: list[list[str]]):
    """(widths, font size): every fixed column as wide as its header and widest value, the
    growing column the rest; a header that cannot fit whole wraps at its spaces, and when even
    that leaves the description too narrow the table's type gets smaller."""
    padding = 2.6
    size = 9.0
    while True:
        natural, compact = [], []
        for index, column in enumerate(columns):
            if column.grow:
                natural.append(0.0)
                compact.append(0.0)
                continue
            pdf.font(size, bold=True)
            header = pdf.get_string_width(pdf.text_of(column.header))
            words = column.header.split() or [column.header]
            longest_word = max(pdf.get_string_width(pdf.text_of(w)) for w in words)
            pdf.font(size)
            content = max(
                (pdf.get_string_width(pdf.text_of(row[index])) for row in rows), default=0.0
            )
            natural.append(max(header, content) + padding)
            compact.append(max(longest_word, content) + padding)
        for widths in (natural, compact):
            if sum(widths) + GROW_MIN <= PAGE_WIDTH or size <= 6.5:
                rest = max(PAGE_WIDTH - sum(widths), GROW_MIN / 2)
                return [rest if c.grow else w for c, w in zip(columns, widths, strict=True)], size
        size -= 0.5


def _lines(pdf: _Pdf, doc: Document) -> None:
    widths, size = _column_widths(pdf, doc.columns, doc.rows)
    chinese = doc.language.startswith("zh") or any(_has_cjk(c) for r in doc.rows for c in r)
    pdf.font(size)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        text_align=tuple(c.align for c in doc.columns),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(
            emphasis="B" if pdf.has_bold else None, fill_color=FILL, size_pt=size
        ),
        line_height=size * 0.5,
        padding=(1.2, 1.3),
        wrapmode=WrapMode.CHAR if chinese else WrapMode.WORD,
        v_align="TOP",
    ) as table:
        heading = table.row()
        for column in doc.columns:
            heading.cell(pdf.text_of(column.header))
        for values in doc.rows:
            row = table.row()
            for value in values:
                row.cell(pdf.text_of(value))
    pdf.ln(3)


def _summary(pdf: _Pdf, doc: Document) -> None:
    if not doc.tax_summary and not doc.totals:
        return
    formats = Formats(doc.language)
    needed = max(len(doc.tax_summary) * 6 + 10, len(doc.totals) * 6.5) + 6
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    bottom = top
    if doc.tax_summary:
        pdf.font(8.5)
        pdf.set_draw_color(*RULE)
        with pdf.table(
            col_widths=(46, 27, 27),
            width=100,
            align="LEFT",
            text_align=("LEFT", "RIGHT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(
                emphasis="B" if pdf.has_bold else None, fill_color=FILL, size_pt=8.5
            ),
            line_height=4.3,
            padding=(1, 1.2),
            wrapmode=WrapMode.CHAR,
        ) as table:
            heading = table.row()
            for text in (_("Tax rate"), _("Base"), _("Tax amount")):
                heading.cell(pdf.text_of(text))
            for label, base, amount in doc.tax_summary:
                row = table.row()
                row.cell(pdf.text_of(label))
                row.cell(formats.money(base))
                row.cell(formats.money(amount))
        bottom = pdf.get_y()
    x = MARGIN + PAGE_WIDTH - 75
    pdf.set_xy(x, top)
    for index, (label, value) in enumerate(doc.totals):
        last = index == len(doc.totals) - 1
        if last:
            pdf.set_draw_color(80, 80, 80)
            pdf.line(x, pdf.get_y() + 0.5, MARGIN + PAGE_WIDTH, pdf.get_y() + 0.5)
            pdf.set_y(pdf.get_y() + 1)
        pdf.set_x(x)
        pdf.font(10.5 if last else 9, bold=last)
        pdf.cell(35, 6.2, pdf.text_of(label), align="R")
        pdf.cell(40, 6.2, pdf.text_of(f"{formats.money(value)} {doc.currency}"), align="R")
        pdf.set_xy(x, pdf.get_y() + 6.2)
    pdf.set_xy(MARGIN, max(bottom, pdf.get_y()) + 3)


def _words(pdf: _Pdf, doc: Document) -> None:
    if doc.words_amount is None:
        return
    lines = amount_in_words(doc.words_amount, doc.currency, doc.language)
    if pdf.get_y() + 6 + 5 * len(lines) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_fill_color(*FILL)
    top = pdf.get_y()
    pdf.font(8, grey=True)
    pdf.line_at(MARGIN + 2, PAGE_WIDTH - 4, _("Amount in words"), height=5)
    pdf.font(9.5)
    for line in lines:
        pdf.line_at(MARGIN + 2, PAGE_WIDTH - 4, line, height=5)
    pdf.set_draw_color(*RULE)
    pdf.rect(MARGIN, top - 1, PAGE_WIDTH, pdf.get_y() - top + 2)
    pdf.set_xy(MARGIN, pdf.get_y() + 4)


def _payment(pdf: _Pdf, doc: Document) -> None:
    facts = [(label, value) for label, value in doc.payment if value]
    if doc.show_bank:
        account = company_default_bank_account(doc.company)
        if account is not None:
            facts += [
                (_("Bank"), account.bank_name),
                (_("Account holder"), account.holder),
                (_("Account number / IBAN"), account.number),
                (_("BIC / SWIFT"), account.bic),
            ]
    facts = [(label, value) for label, value in facts if value]
    if not facts:
        return
    if pdf.get_y() + 6 + 5 * len(facts) > pdf.page_break_trigger:
        pdf.add_page()
    pdf.font(8, grey=True)
    pdf.line_at(MARGIN, PAGE_WIDTH, _("Payment"), height=5)
    for label, value in facts:
        y = pdf.get_y()
        pdf.set_xy(MARGIN, y)
        pdf.font(8.5, grey=True)
        pdf.cell(42, 4.8, pdf.text_of(label))
        pdf.font(9)
        pdf.set_xy(MARGIN + 42, y)
        pdf.line_at(MARGIN + 42, PAGE_WIDTH - 42, value, height=4.8)
        pdf.set_x(MARGIN)


def _signatures(pdf: _Pdf, doc: Document) -> None:
    if pdf.get_y() + 22 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(12)
    width = (PAGE_WIDTH - 10 * (len(doc.signatures) - 1)) / len(doc.signatures)
    y = pdf.get_y()
    pdf.set_draw_color(80, 80, 80)
    for index, label in enumerate(doc.signatures):
        x = MARGIN + index * (width + 10)
        pdf.line(x, y, x + width, y)
        pdf.set_xy(x, y + 1)
        pdf.font(8, grey=True)
        pdf.cell(width, 4, pdf.text_of(label))
    pdf.set_xy(MARGIN, y + 6)
