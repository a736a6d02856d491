from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "tandem.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self):
        from tandem.crm.queries.overview import register_timeline_source
        from tandem.crm.services import mail_in_claimer

        from . import checks  # noqa: F401  (registers the marketing invariants)
        from .queries import campaign_timeline
        from .services.tracking import bounce_claimer

        mail_in_claimer(bounce_claimer)
        # the campaign emails a customer got (and opened or clicked) on its timeline
        register_timeline_source("campaign", campaign_timeline)

        from tandem.core import events

        from .services.automations import EVENTS, on_event

        for name in EVENTS:  # automations triggered by a domain event
            events.subscribe(name, on_event)
