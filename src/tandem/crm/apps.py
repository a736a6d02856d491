from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "tandem.crm"
    label = "crm"
    verbose_name = _("CRM")

    def ready(self):
        from tandem.core import panels
        from tandem.core.events import hook

        from . import checks, imports  # noqa: F401  (checks registers the CRM invariants)
        from .services import on_company_created
        from .views.overview import party_panel

        hook("company.created", on_company_created)
        panels.register("party.detail", "crm.360", party_panel, order=10)
        imports.register()
