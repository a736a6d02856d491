"""Reactions to other apps' domain events (dispatched after their transaction commits)."""

from django.db import transaction


def on_invoice_changed(*, event, invoice_id=None, **_payload) -> None:
    from .services.orders import orders_refresh_for_invoices, qty_invoiced_release

    if event == "invoice.cancelled":
        with transaction.atomic():
            qty_invoiced_release(invoice_id=invoice_id)
    orders_refresh_for_invoices([invoice_id])
