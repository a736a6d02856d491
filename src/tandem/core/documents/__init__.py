"""The document layout shared by every app's PDFs (core is below them all)."""

from .fonts import cjk_font
from .layout import (
    Block,
    Column,
    Document,
    Formats,
    address_lines,
    company_name,
    render,
    seller_lines,
    tax_id_label,
)
from .words import amount_in_words, english_words, rmb_upper


def document_language(*choices: str, company) -> str:
    """The first language given (the document's own, then the party's), else the company's."""
    from ..profile import company_language

    for choice in choices:
        if choice:
            return choice
    return company_language(company)


__all__ = [
    "Block",
    "Column",
    "Document",
    "Formats",
    "address_lines",
    "amount_in_words",
    "cjk_font",
    "company_name",
    "document_language",
    "english_words",
    "render",
    "rmb_upper",
    "seller_lines",
    "tax_id_label",
]
