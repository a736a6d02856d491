"""The delivery slip (and goods receipt) as PDF, in the shared document layout of
core.documents, in the party's preferred language else the company's."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from tandem.core.documents import Column, Document, Formats, document_language, render
from tandem.core.documents.blocks import party_blocks

from .models import Transfer


def transfer_pdf(transfer) -> tuple[bytes, str]:
    """(PDF bytes, file name): quantities only, no prices, with lines for the signatures."""
    transfer = (
        Transfer.objects.select_related("company", "party", "warehouse", "address")
        .prefetch_related("party__addresses")
        .get(pk=transfer.pk)
    )
    moves = list(transfer.moves.select_related("product", "uom", "lot").order_by("pk"))
    party = transfer.party
    language = document_language(getattr(party, "language", ""), company=transfer.company)
    with translation.override(language):
        formats = Formats(language)
        delivery = transfer.kind == "delivery"
        title = _("Delivery slip") if delivery else _("Goods receipt")
        done = transfer.state == "done"
        rows = [
            [
                move.product.sku,
                move.product.name,
                move.lot.name if move.lot_id else "",
                formats.number(move.uom_quantity if move.uom_quantity else move.quantity),
                formats.number(move.quantity_done) if done else "",
                move.uom.name if move.uom_id else "",
            ]
            for move in moves
        ]
        blocks = []
        if party is not None:
            blocks = party_blocks(
                party,
                language=language,
                home_country=transfer.company.country,
                title=_("Customer") if delivery else _("Supplier"),
                shipping=transfer.address if delivery else None,
                shipping_title=_("Deliver to"),
                with_shipping=delivery,
            )
        document = Document(
            company=transfer.company,
            language=language,
            title=title,
            number=transfer.number,
            facts=[
                (_("Scheduled date"), formats.date(transfer.scheduled_date)),
                (_("Shipped on"), formats.date(transfer.date_done) if done else ""),
                (_("Source document"), transfer.origin),
                (_("Warehouse"), transfer.warehouse.name if transfer.warehouse_id else ""),
            ],
            blocks=blocks,
            columns=[
                Column(_("SKU"), "L"),
                Column(_("Product"), "L", grow=True),
                Column(_("Lot"), "L"),
                Column(_("Ordered")),
                Column(_("Shipped") if delivery else _("Received")),
                Column(_("Unit"), "L"),
            ],
            rows=rows,
            notes=transfer.notes,
            signatures=[_("Delivered by"), _("Goods received by")],
        )
        content = render(document)
    name = (transfer.number or f"transfer-{transfer.pk}").replace("/", "-")
    return content, f"{name}.pdf"
