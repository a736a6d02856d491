from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "tandem.parties"
    label = "parties"
    verbose_name = _("Parties")

    def ready(self):
        from . import checks, imports  # noqa: F401  (checks registers the party invariants)

        imports.register()
