from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def party_balance_panel(request, party):
    """The party page's balance section; hidden from users without accounting access."""
    from django.template.loader import render_to_string
    from django.urls import NoReverseMatch, reverse

    from tandem.core.middleware import request_has_perm

    from .queries.parties import party_balance

    company = getattr(request, "company", None)
    if company is None or party.company_id != company.pk:
        return None
    if not request_has_perm(request, "accounting.view_invoice"):
        return None
    balance = party_balance(company, party)
    for invoice in balance["open_invoices"]:
        try:  # the invoice pages may not be installed yet
            invoice.url = reverse("accounting:invoice_detail", args=[invoice.pk])
        except NoReverseMatch:
            invoice.url = None
    return render_to_string(
        "accounting/_party_panel.html",
        {
            "balance": balance,
            "party": party,
            "can_pay": request_has_perm(request, "accounting.add_payment"),
        },
        request=request,
    )


class AccountingConfig(AppConfig):
    name = "tandem.accounting"
    label = "accounting"
    verbose_name = _("Accounting")

    def ready(self):
        from tandem.core import events, panels

        from . import checks, imports  # noqa: F401  (checks registers the ledger invariants)
        from .services.tax_defaults import on_default_taxes_set

        panels.register("party.detail", "accounting.balance", party_balance_panel, order=20)
        # the catalog's API hands a product's or category's default taxes to accounting
        events.hook("catalog.default_taxes_set", on_default_taxes_set)
        imports.register()
