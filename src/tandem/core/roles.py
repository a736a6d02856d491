"""Roles and the Django permissions they grant, by app label.

`full` grants add/change/delete/view on every model of the app, `view` only view;
a key `app.model` sets one model. Permissions beyond those four (`sales.override_credit_limit`)
are granted only by name, `app.codename: "grant"`, or to every one of them by `"*": "grant"`.
Apps that do not exist yet are listed so the mapping holds once they land.
"""

from django.utils.translation import gettext_lazy as _

BUSINESS_APPS = [
    "parties",
    "catalog",
    "accounting",
    "inventory",
    "purchasing",
    "sales",
    "manufacturing",
    "crm",
    "marketing",
    "service",
    "hr",
    "analytics",
]
ALL = {"*": "grant", **{app: "full" for app in BUSINESS_APPS + ["core"]}}
VIEW_ALL = {app: "view" for app in BUSINESS_APPS}

# Admin-level permissions beyond the model ones, named so that a narrower role never gets
# them by accident (ALL grants them through "*" too).
ADMIN_ONLY = {"core.manage_webhooks": "grant"}

ROLES: dict[str, tuple] = {
    "owner": (_("Owner"), {**ALL, **ADMIN_ONLY}),
    "admin": (_("Admin"), {**ALL, **ADMIN_ONLY}),
    "sales": (_("Sales"), {**VIEW_ALL, "parties": "full", "crm": "full", "sales": "full"}),
    "marketing": (_("Marketing"), {**VIEW_ALL, "parties": "full", "marketing": "full"}),
    "service": (_("Service"), {**VIEW_ALL, "parties": "full", "service": "full"}),
    "purchasing": (
        _("Purchasing"),
        {
            **VIEW_ALL,
            "parties": "full",
            "catalog": "full",
            "purchasing": "full",
            # a buyer receives goods and drafts the vendor bill from the purchase order
            "inventory.transfer": "full",
            "accounting.invoice": "full",
        },
    ),
    "warehouse": (_("Warehouse"), {**VIEW_ALL, "inventory": "full"}),
    "production": (_("Production"), {**VIEW_ALL, "manufacturing": "full"}),
    "accountant": (
        _("Accountant"),
        {
            **VIEW_ALL,
            "parties": "full",
            "accounting": "full",
            "core.exchangerate": "full",
            "sales.override_credit_limit": "grant",
        },
    ),
    "hr": (_("HR"), {"hr": "full", "parties": "view"}),
    "readonly": (_("Read-only"), VIEW_ALL),
}
