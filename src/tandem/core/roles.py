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
# HR data (pay, leave, reviews) is for the HR role, the employee and their managers only
VIEW_ALL = {app: "view" for app in BUSINESS_APPS if app != "hr"}

# Admin-level permissions beyond the model ones, named so that a narrower role never gets
# them by accident (ALL grants them through "*" too).
ADMIN_ONLY = {"core.manage_webhooks": "grant"}

SALES_WORK = {**VIEW_ALL, "parties": "full", "crm": "full", "sales": "full"}
CRM_SETTINGS_VIEW = {
    f"crm.{model}": "view"
    for model in (
        "crmsettings",
        "salesteam",
        "pipelinestage",
        "lostreason",
        "salestarget",
        "cadence",
    )
}

ROLES: dict[str, tuple] = {
    "owner": (_("Owner"), {**ALL, **ADMIN_ONLY}),
    "admin": (_("Admin"), {**ALL, **ADMIN_ONLY}),
    # A rep works leads, opportunities and orders; the CRM settings (team visibility, the
    # inbound mail token), pipelines, teams, targets and follow-up rules are a manager's.
    "sales": (_("Sales"), {**SALES_WORK, **CRM_SETTINGS_VIEW}),
    "sales_manager": (_("Sales manager"), SALES_WORK),
    # the consent ledger (who agreed to what, from which address) is for marketing only
    "marketing": (
        _("Marketing"),
        {
            **VIEW_ALL,
            "parties": "full",
            "marketing": "full",
            "marketing.manage_consents": "grant",
        },
    ),
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
            # vendor documents only: customer invoices are the accountant's
            "accounting.manage_vendor_bills": "grant",
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
            "accounting.manage_customer_invoices": "grant",
            "accounting.manage_vendor_bills": "grant",
        },
    ),
    "hr": (_("HR"), {"hr": "full", "parties": "view"}),
    "readonly": (_("Read-only"), VIEW_ALL),
}
