from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManufacturingConfig(AppConfig):
    name = "tandem.manufacturing"
    label = "manufacturing"
    verbose_name = _("Manufacturing")

    def ready(self):
        from tandem.core import events, providers

        from . import checks, jobs  # noqa: F401  (the invariants and the MRP job kind)
        from .services import kits, quality

        # inventory asks which lots a failed quality check holds before reserving or
        # shipping them (it may not import manufacturing); receipts reach receipt points
        providers.provide("inventory.held_lots", quality.held_lots)
        events.subscribe("stock.transfer_done", quality.on_transfer_done)
        # sales delivers a kit as its components (sales may not import manufacturing)
        providers.provide("sales.kit_components", kits.kit_components)
        providers.provide("sales.kit_exists", kits.kit_exists)
