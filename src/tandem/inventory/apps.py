from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "tandem.inventory"
    label = "inventory"
    verbose_name = _("Inventory")

    def ready(self):
        from . import checks  # noqa: F401  (registers the stock invariants)
