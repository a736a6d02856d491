from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PANEL_ROWS = 20


def party_orders_panel(request, party):
    """The party page's order list; hidden from users who may not see orders."""
    from django.template.loader import render_to_string

    from tandem.core.middleware import request_has_perm

    from .queries import party_orders

    company = getattr(request, "company", None)
    if company is None or party.company_id != company.pk:
        return None
    if not request_has_perm(request, "sales.view_salesorder"):
        return None
    orders, count = party_orders(company, party, limit=PANEL_ROWS)
    if not count:
        return None
    return render_to_string(
        "sales/_party_panel.html",
        {"orders": orders, "count": count, "party": party, "more": count > len(orders)},
        request=request,
    )


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from tandem.core import events, panels

        from . import checks, imports  # noqa: F401  (checks registers the sales invariants)
        from .handlers import on_invoice_changed
        from .services.invoicing import on_invoice_lines_replaced
        from .services.stock import (
            on_backorder_made,
            on_transfer_before_done,
            on_transfer_done,
        )

        events.hook("stock.backorder_made", on_backorder_made)
        events.hook("stock.transfer_before_done", on_transfer_before_done)
        events.hook("invoice.lines_replaced", on_invoice_lines_replaced)
        events.subscribe("stock.transfer_done", on_transfer_done)
        events.subscribe("invoice.posted", on_invoice_changed)
        # every allocation, and its undoing when a payment is cancelled, changes a residual
        events.subscribe("invoice.settlement_changed", on_invoice_changed)
        events.subscribe("invoice.cancelled", on_invoice_changed)
        panels.register("party.detail", "sales.orders", party_orders_panel, order=30)
        imports.register()
