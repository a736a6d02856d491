from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountingConfig(AppConfig):
    name = "tandem.accounting"
    label = "accounting"
    verbose_name = _("Accounting")

    def ready(self):
        from . import checks  # noqa: F401  (registers the ledger invariants)
