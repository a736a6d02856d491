"""Navigation for every page: all product areas, with the ones not built yet marked."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tandem.core.services import user_companies

# (key, label, url name or None while the area is not built yet)
AREAS = [
    ("crm", _("CRM"), "crm:home"),
    ("parties", _("Customers & suppliers"), "parties:list"),
    ("sales", _("Sales"), "sales:home"),
    ("purchasing", _("Purchasing"), "purchasing:home"),
    ("inventory", _("Inventory"), "inventory:home"),
    ("catalog", _("Products"), "catalog:product_list"),
    ("manufacturing", _("Manufacturing"), "manufacturing:home"),
    ("accounting", _("Accounting"), "accounting:home"),
    ("hr", _("HR"), "hr:home"),
    ("service", _("Service"), "service:home"),
    ("marketing", _("Marketing"), "marketing:home"),
    ("analytics", _("Analytics"), "analytics:home"),
    ("settings", _("Settings"), "web:settings"),
]


def navigation(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    items = []
    for key, label, url_name in AREAS:
        url = reverse(url_name) if url_name else reverse("web:area", args=[key])
        items.append(
            {
                "key": key,
                "label": label,
                "url": url,
                "built": url_name is not None,
                "active": request.path.startswith(url) and url != "/",
            }
        )
    return {
        "nav_areas": items,
        "nav_companies": list(user_companies(request.user).order_by("code")),
        "current_company": getattr(request, "company", None),
    }
