from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HrConfig(AppConfig):
    name = "tandem.hr"
    label = "hr"
    verbose_name = _("HR")

    def ready(self):
        from . import checks, imports  # noqa: F401  (checks registers the payroll invariants)

        imports.register()
