from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "tandem.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from tandem.core import events

        from . import checks  # noqa: F401  (registers the sales invariants)
        from .handlers import on_invoice_changed, on_payment_posted
        from .services.stock import on_move_done

        events.subscribe("stock.move_done", on_move_done)
        events.subscribe("invoice.posted", on_invoice_changed)
        events.subscribe("invoice.paid", on_invoice_changed)
        events.subscribe("invoice.cancelled", on_invoice_changed)
        events.subscribe("payment.posted", on_payment_posted)
