"""What an RFQ would come to, nothing saved: the RFQ form's live totals.

The lines go through the same validation, default prices (the supplier's) and default
taxes as `purchase_order_create`, and the figures through the same `taxes_compute` with the
company's rounding, so the page shows what saving would store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tandem.accounting.services import company_today
from tandem.accounting.services.taxes import accounting_settings, taxes_compute

from ..models import PurchaseOrder
from ._common import a_date
from .orders import _build_lines, _currency, _supplier


def purchase_order_preview(
    *, company, supplier, lines: Iterable[Mapping], currency=None, order_date=None, **_header
):
    """(unsaved order lines with their amounts, the computation); refusals as on create."""
    supplier = _supplier(company, supplier)
    order = PurchaseOrder(
        company=company,
        supplier=supplier,
        currency=_currency(currency, supplier.currency_id or company.currency_id),
        order_date=a_date(order_date, field="order_date", required=False) or company_today(company),
    )
    built = _build_lines(order, lines)
    result = taxes_compute(
        [
            {
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes,
            }
            for line, taxes in built
        ],
        currency=order.currency_id,
        rounding=accounting_settings(company).tax_rounding,
    )
    for (line, _taxes), figures in zip(built, result.lines, strict=True):
        line.untaxed_amount = figures.untaxed
        line.tax_amount = figures.tax
        line.total_amount = figures.total
    return [line for line, _taxes in built], result
