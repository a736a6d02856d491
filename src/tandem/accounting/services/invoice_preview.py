"""What a draft invoice, credit note or bill would come to, nothing saved: the invoice
form's live totals, through the same line validation, defaults and figures as
`invoice_create` (its `_build_lines` and `_line_figures`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tandem.core.errors import ValidationFailed

from ..models import Invoice, InvoiceKind
from .invoices import _build_lines, _currency, _line_figures, _party


def invoice_preview(*, company, kind: str, party, lines: Iterable[Mapping], currency=None):
    """(unsaved lines with their amounts, the computation); refusals as on create."""
    if kind not in InvoiceKind.values:
        raise ValidationFailed("kind: unknown", code="validation.choice", field="kind")
    party = _party(company, party)
    invoice = Invoice(
        company=company, kind=kind, party=party, currency=_currency(company, currency, party)
    )
    built = _build_lines(company, kind, lines, party=party)
    result = _line_figures(invoice, built)
    for line, _taxes in built:
        line.invoice = invoice  # unsaved: lets the page read the currency off a line
    return [line for line, _taxes in built], result
