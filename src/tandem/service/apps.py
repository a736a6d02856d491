from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "tandem.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        from tandem.core import panels
        from tandem.crm.services import mail_in_claimer

        from . import checks  # noqa: F401  (registers the service invariants)
        from .panels import party_tickets_panel
        from .services.mail import service_mail_claim

        mail_in_claimer(service_mail_claim)
        panels.register("party.detail", "service.tickets", party_tickets_panel, order=30)
