"""The link of an invoice line to the order line it bills (`origin_line`), kept through
edits. Accounting never reads what the link means; sales and purchasing do."""

from __future__ import annotations

from ..models import Invoice, InvoiceLine


def keep_origins(invoice: Invoice, built: list) -> None:
    """Resubmitted lines keep the order lines they bill: an edit form sends no links, and a
    line that lost its link would let the order invoice it again. A line without one takes
    that of the first unclaimed old line of the same product; a new line stays unlinked.

    `built`: (unsaved InvoiceLine, taxes) pairs about to replace the invoice's lines.
    """
    old = list(
        InvoiceLine.objects.filter(invoice=invoice)
        .exclude(origin_line="")
        .order_by("sequence", "id")
        .values_list("product_id", "origin_line")
    )
    if not old:
        return
    claimed = {line.origin_line for line, _taxes in built if line.origin_line}
    free = [(product, origin) for product, origin in old if origin not in claimed]
    for line, _taxes in built:
        if line.origin_line or line.product_id is None:
            continue
        for index, (product, origin) in enumerate(free):
            if product == line.product_id:
                line.origin_line = origin
                del free[index]
                break
