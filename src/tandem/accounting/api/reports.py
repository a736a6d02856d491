"""/reports/profit-and-loss, /balance-sheet, /aged-receivables, /aged-payables, /tax (thin:
the figures come from queries.reports and queries.taxes)."""

from datetime import date

from ninja import Router

from tandem.api.context import company_of, require_perm
from tandem.core.errors import Conflict, ValidationFailed

from .. import exports
from ..queries import reports
from .ledger import Format, report_range

router = Router()


def _as_of(company, *, date_from, date_to, as_of) -> date:
    """The end of a point-in-time report: `as_of`, else `date_to`, else today."""
    if date_from is not None:
        raise ValidationFailed(
            "This report is at a date: give as_of", code="report.range", field="date_from"
        )
    return report_range(company, date_from=None, date_to=date_to, as_of=as_of)[1]


@router.get("/reports/profit-and-loss", tags=["reports"])
def profit_and_loss(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | None = None,
    compare_from: date | None = None,
    compare_to: date | None = None,
    format: Format = "json",
):
    """Income and expenses of the range (without `date_from`: from the start of the fiscal
    year of `date_to`), by section and account; `compare_from`/`compare_to` add a
    comparison range. Totals: revenue, cost_of_sales, gross_profit, operating_expenses,
    financial, operating_profit, other_income, other_expenses, profit_before_tax,
    income_tax, net_profit."""
    require_perm(request, "accounting.view_entry")
    company = company_of(request)
    start, end = report_range(company, date_from=date_from, date_to=date_to, as_of=as_of)
    if start is None:
        start = reports.fiscal_year_start(company, end)
    compare = None
    if compare_from is not None or compare_to is not None:
        if compare_from is None or compare_to is None:
            raise ValidationFailed(
                "Give both compare_from and compare_to",
                code="report.range",
                field="compare_from" if compare_from is None else "compare_to",
            )
        if compare_from > compare_to:
            raise ValidationFailed(
                "compare_from is after compare_to",
                code="validation.date_range",
                field="compare_from",
            )
        compare = (compare_from, compare_to)
    data = reports.profit_and_loss(company, date_from=start, date_to=end, compare=compare)
    if format != "json":
        return exports.profit_and_loss_response(data, fmt=format)
    data["currency"] = company.currency_id
    return data


@router.get("/reports/balance-sheet", tags=["reports"])
def balance_sheet(
    request,
    as_of: date | None = None,
    date_to: date | None = None,
    date_from: date | None = None,
    format: Format = "json",
):
    """Assets, liabilities and equity at `as_of` (default today); the result not yet closed
    to retained earnings is `current_year_result` (and `prior_result`) in equity, so
    `assets` == `liabilities_and_equity`."""
    require_perm(request, "accounting.view_entry")
    company = company_of(request)
    end = _as_of(company, date_from=date_from, date_to=date_to, as_of=as_of)
    data = reports.balance_sheet(company, as_of=end)
    if format != "json":
        return exports.balance_sheet_response(data, fmt=format)
    data["currency"] = company.currency_id
    return data


def _aged(request, side, *, as_of, date_to, date_from, format):
    require_perm(request, "accounting.view_invoice")
    company = company_of(request)
    end = _as_of(company, date_from=date_from, date_to=date_to, as_of=as_of)
    data = reports.aged_balances(company, as_of=end, side=side)
    if format != "json":
        return exports.aged_response(data, fmt=format, filename=f"aged-{side}s")
    data["currency"] = company.currency_id
    return data


@router.get("/reports/aged-receivables", tags=["reports"])
def aged_receivables(
    request,
    as_of: date | None = None,
    date_to: date | None = None,
    date_from: date | None = None,
    format: Format = "json",
):
    """Rows per customer: `current` (not yet due), `1_30`, `31_60`, `61_90`, `91_120`,
    `over_120` (days overdue at `as_of`) and `total`, in company currency; credit notes
    and unallocated payments count negative from their own date."""
    return _aged(
        request, "receivable", as_of=as_of, date_to=date_to, date_from=date_from, format=format
    )


@router.get("/reports/aged-payables", tags=["reports"])
def aged_payables(
    request,
    as_of: date | None = None,
    date_to: date | None = None,
    date_from: date | None = None,
    format: Format = "json",
):
    """Rows per supplier, as for aged receivables."""
    return _aged(
        request, "payable", as_of=as_of, date_to=date_to, date_from=date_from, format=format
    )


@router.get("/reports/tax", tags=["reports"])
def tax(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | None = None,
    format: Format = "json",
):
    """Per tax: base and tax amounts of the posted documents of the range (without
    `date_from`: from the start of the fiscal year of `date_to`)."""
    require_perm(request, "accounting.view_entry")
    company = company_of(request)
    start, end = report_range(company, date_from=date_from, date_to=date_to, as_of=as_of)
    if start is None:
        start = reports.fiscal_year_start(company, end)
    tax_report = _tax_report()
    data = tax_report(company, date_from=start, date_to=end)
    if format != "json":
        return exports.table_response(data, fmt=format, filename="tax-report")
    data = dict(data)
    data.setdefault("date_from", start)
    data.setdefault("date_to", end)
    data["currency"] = company.currency_id
    return data


def _tax_report():
    try:
        from ..queries.taxes import tax_report
    except ImportError:  # the tax report lands with the invoices
        raise Conflict("The tax report is not available yet", code="report.unavailable") from None
    return tax_report
