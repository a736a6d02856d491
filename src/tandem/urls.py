from django.contrib import admin
from django.urls import include, path

from tandem.api.root import api
from tandem.web.urls import auth_urlpatterns

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("parties/", include("tandem.parties.urls")),
    path("catalog/", include("tandem.catalog.urls")),
    path("accounting/", include("tandem.accounting.urls")),
    path("inventory/", include("tandem.inventory.urls")),
    path("purchasing/", include("tandem.purchasing.urls")),
    path("sales/", include("tandem.sales.urls")),
    path("manufacturing/", include("tandem.manufacturing.urls")),
    path("crm/", include("tandem.crm.urls")),
    path("marketing/", include("tandem.marketing.urls")),
    path("service/", include("tandem.service.urls")),
    path("hr/", include("tandem.hr.urls")),
    path("analytics/", include("tandem.analytics.urls")),
    *auth_urlpatterns,
    path("", include("tandem.web.urls")),
]
