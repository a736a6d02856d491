from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "tandem.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self):
        from tandem.core.events import hook

        from . import checks, imports  # noqa: F401  (checks registers the catalog invariants)
        from .services import on_company_created

        hook("company.created", on_company_created)
        imports.register()
