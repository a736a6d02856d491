from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "tandem.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from tandem.core import panels, providers
        from tandem.crm.scoring import LEAD_SCORES, PARTY_SCORES
        from tandem.purchasing.forecast_points import REORDER_POINTS
        from tandem.sales.suggestions import ORDER_SUGGESTIONS

        from . import queries
        from .panels import party_panel, product_panel

        # the CRM's lists and the customer overview show the active models' scores
        providers.provide(LEAD_SCORES, queries.lead_score_map)
        providers.provide(PARTY_SCORES, queries.party_score_map)
        # the reorder rules show (and may follow) the demand forecast's reorder points
        providers.provide(REORDER_POINTS, queries.reorder_point_map)
        # the quotation editor's "Suggested" panel reads the stored recommendations
        providers.provide(ORDER_SUGGESTIONS, queries.order_suggestions)
        # the product page's "Bought together"; the customer page's scores and "for this
        # customer" (after the CRM's 360 panel)
        panels.register("product.detail", "analytics.bought_together", product_panel, order=50)
        panels.register("party.detail", "analytics.customer", party_panel, order=15)
