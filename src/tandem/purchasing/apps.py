from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "tandem.purchasing"
    label = "purchasing"
    verbose_name = _("Purchasing")

    def ready(self):
        from tandem.core import panels
        from tandem.core.events import hook, subscribe

        from . import checks  # noqa: F401  (registers the purchasing invariants)
        from .panels import bill_match
        from .services import (
            on_bill_changed,
            on_invoice_changed,
            on_supplier_moves_done,
            on_transfer_done,
        )
        from .services.forecast import on_model_activated

        # a receipt processed in inventory, or a bill posted or cancelled in accounting,
        # updates the order's received and billed quantities
        subscribe("stock.transfer_done", on_transfer_done)
        subscribe("invoice.posted", on_invoice_changed)
        subscribe("invoice.cancelled", on_invoice_changed)
        # a new demand forecast moves the reorder rules that follow it
        subscribe("analytics.model_activated", on_model_activated)
        # a bill and a receipt that price the same units differently clear GRNI together
        hook("invoice.posted", on_bill_changed)
        hook("invoice.cancelled", on_bill_changed)
        hook("stock.supplier_moves_done", on_supplier_moves_done)
        # the bill page is accounting's; the match against the order is shown through a panel
        panels.register("invoice.detail", "purchasing.bill_match", bill_match, order=50)
