"""The home dashboard: figures and today's work per role, each linking to the list behind it.

A block is shown to the users who work in its area (they may change its documents; every
role may view most areas, which is no reason to fill its home page), so a warehouse clerk
sees its transfers and an owner or accountant the business at a glance. Each figure is
one or two set-based queries of the app that owns the data.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tandem.accounting.queries.dashboard import revenue_by_month, role_balances
from tandem.accounting.queries.reports import AGE_BUCKETS, aged_receivables
from tandem.catalog.services.pricing import company_today
from tandem.core.charts import bar_chart
from tandem.core.middleware import request_has_perm
from tandem.core.templatetags.formats import money

ZERO = Decimal("0.00")


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _month_end(start: date) -> date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _change(now: Decimal, before: Decimal) -> Decimal | None:
    """Percent change, None when there is nothing to compare with."""
    if not before:
        return None
    return ((now - before) / abs(before) * 100).quantize(Decimal("0.1"))


def _finance(company, today: date, figures: list, charts: list) -> None:
    months = revenue_by_month(company, today=today, months=6)
    (_last_start, last), (this_start, this) = months[-2], months[-1]
    figures.append(
        {
            "label": _("Revenue this month"),
            "value": this,
            "money": True,
            "change": _change(this, last),
            "note": _("last month %(amount)s") % {"amount": money(last)},
            "url": _url(
                "accounting:profit_and_loss",
                date_from=this_start.isoformat(),
                date_to=today.isoformat(),
            ),
        }
    )
    charts.append(
        {
            "title": _("Revenue per month"),
            "chart": bar_chart(
                [
                    (
                        date_format(start, "YEAR_MONTH_FORMAT"),
                        amount,
                        _url(
                            "accounting:profit_and_loss",
                            date_from=start.isoformat(),
                            date_to=_month_end(start).isoformat(),
                        ),
                    )
                    for start, amount in months
                ],
                highlight=len(months) - 1,
            ),
        }
    )
    balances = role_balances(company, ["bank", "cash", "inventory"], as_of=today)
    figures.append(
        {
            "label": _("Cash position"),
            "value": balances["bank"] + balances["cash"],
            "money": True,
            "url": _url("accounting:trial_balance"),
        }
    )
    figures.append(
        {
            "label": _("Stock value"),
            "value": balances["inventory"],
            "money": True,
            "url": _url("inventory:valuation"),
        }
    )


def _receivables(company, today: date, figures: list, charts: list) -> None:
    totals = aged_receivables(company, as_of=today)["totals"]
    total = totals["total"]
    overdue = total - totals["current"]
    report = _url("accounting:aged_receivables")
    figures.append(
        {
            "label": _("Receivables"),
            "value": total,
            "money": True,
            "note": _("%(amount)s overdue") % {"amount": money(overdue)},
            "alert": overdue > 0,
            "url": report,
        }
    )
    labels = {
        "current": _("Not due"),
        "1_30": _("1-30 days"),
        "31_60": _("31-60"),
        "61_90": _("61-90"),
        "91_120": _("91-120"),
        "over_120": _("> 120"),
    }
    charts.append(
        {
            "title": _("Receivables by days overdue"),
            "chart": bar_chart([(labels[key], totals[key], report) for key in AGE_BUCKETS]),
        }
    )


def _pipeline(request, company, figures: list) -> None:
    from tandem.crm.queries import forecast
    from tandem.crm.queries.visibility import visible_condition

    totals = forecast(company, group_by="month", visible_to=visible_condition(request))["totals"]
    figures.append(
        {
            "label": _("Open pipeline"),
            "value": totals["expected_revenue"] or ZERO,
            "money": True,
            "note": _("weighted %(amount)s")
            % {"amount": money(totals["weighted_revenue"] or ZERO)},
            "url": _url("crm:forecast"),
        }
    )


def _work(request, company, today: date) -> list[dict]:
    """Today's work: counts of what waits for this user's roles, each a link to its list."""
    can = request_has_perm
    work: list[dict] = []
    if can(request, "crm.change_activity"):
        from tandem.crm.queries import my_day

        day = my_day(company, request.user)
        work.append(
            {
                "label": _("My activities due today or late"),
                "count": len(day["overdue"]) + len(day["today"]),
                "url": _url("crm:home"),
            }
        )
    if can(request, "sales.change_salesorder"):
        from tandem.sales.queries import orders_filtered

        orders = orders_filtered(company)
        work += [
            {
                "label": _("Quotations sent, waiting for the customer"),
                "count": orders.filter(state="sent").count(),
                "url": _url("sales:order_list", state="sent"),
            },
            {
                "label": _("Orders waiting for payment"),
                "count": orders.filter(awaiting_payment=True).count(),
                "url": _url("sales:order_list", state="confirmed"),
            },
            {
                "label": _("Orders to invoice"),
                "count": orders.filter(invoice_status="to_invoice").count(),
                "url": _url("sales:order_list", invoice_status="to_invoice"),
            },
        ]
    if can(request, "inventory.change_transfer"):
        from tandem.inventory.queries import overview

        stock = overview(company, today=today)
        work += [
            {
                "label": _("Transfers ready to process"),
                "count": stock["ready"],
                "url": _url("inventory:transfer_list", state="assigned"),
            },
            {
                "label": _("Transfers late"),
                "count": stock["late"],
                "alert": stock["late"] > 0,
                "url": _url("inventory:transfer_list"),
            },
        ]
    if can(request, "purchasing.change_purchaseorder"):
        from tandem.purchasing.queries import overview as purchasing_overview

        buying = purchasing_overview(company)
        work += [
            {
                "label": _("Requests for quotation to send"),
                "count": buying["rfq"],
                "url": _url("purchasing:order_list", state="draft"),
            },
            {
                "label": _("Purchase orders to bill"),
                "count": buying["to_bill"],
                "url": _url("purchasing:order_list", state="confirmed"),
            },
        ]
    if can(request, "accounting.change_invoice"):
        from tandem.accounting.models import Invoice, InvoiceState

        drafts = Invoice.objects.filter(company=company, state=InvoiceState.DRAFT).count()
        work.append(
            {
                "label": _("Draft invoices and bills to post"),
                "count": drafts,
                "url": _url("accounting:invoice_list", "customer-invoices", state="draft"),
            }
        )
    return work


def dashboard(request) -> dict:
    company = request.company
    today = company_today(company)
    figures: list[dict] = []
    charts: list[dict] = []
    if request_has_perm(request, "accounting.change_entry"):
        _finance(company, today, figures, charts)
    if request_has_perm(request, "accounting.change_invoice"):
        _receivables(company, today, figures, charts)
    if request_has_perm(request, "crm.change_opportunity"):
        _pipeline(request, company, figures)
    return {"figures": figures, "charts": charts, "work": _work(request, company, today)}
