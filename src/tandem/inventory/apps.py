from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "tandem.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from tandem.core.events import hook

        from . import checks, imports  # noqa: F401  (checks registers the stock invariants)
        from .services.valuation import on_costing_changed

        # a product's cost price or valuation method changed in the catalog
        hook("product.costing_changed", on_costing_changed)
        imports.register()
