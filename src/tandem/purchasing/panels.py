"""The three-way match on the vendor bill page.

The bill page belongs to accounting, which may not import purchasing: this panel is
registered for "invoice.detail" (tandem.core.panels) and shows, for a bill made from purchase
orders, where its lines differ from the order (price) or from what was received.
"""

from django.template.loader import render_to_string

from tandem.accounting.models import InvoiceKind

from .models import ORIGIN_LINE_PREFIX, PurchaseOrder, PurchaseOrderLine
from .queries import match_warnings


def bill_match(request, invoice) -> str | None:
    """HTML of the bill's match against its orders; None for other invoices."""
    if invoice is None or invoice.kind != InvoiceKind.VENDOR_BILL:
        return None
    line_ids = {
        int(origin.removeprefix(ORIGIN_LINE_PREFIX))
        for origin in invoice.lines.filter(origin_line__startswith=ORIGIN_LINE_PREFIX)
        .values_list("origin_line", flat=True)
        .order_by()
        if origin.removeprefix(ORIGIN_LINE_PREFIX).isdigit()
    }
    if not line_ids:
        return None
    order_ids = set(
        PurchaseOrderLine.objects.filter(
            pk__in=line_ids, company_id=invoice.company_id
        ).values_list("order_id", flat=True)
    )
    orders = list(PurchaseOrder.objects.filter(pk__in=order_ids).order_by("pk"))
    if not orders:
        return None
    warnings = []
    for order in orders:
        for warning in match_warnings(order):
            # price differences of this bill; quantity differences of the lines it bills
            if warning.get("invoice", invoice.pk) == invoice.pk and warning["line"] in line_ids:
                warnings.append(warning)
    return render_to_string(
        "purchasing/_bill_match.html",
        {"orders": orders, "warnings": warnings},
        request=request,
    )
