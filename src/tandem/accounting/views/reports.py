"""Accounting pages: profit and loss, balance sheet, aged receivables and payables, tax report
(thin: queries.reports reads, exports writes the CSV/XLSX)."""

from django import forms
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _

from tandem.core.errors import DomainError
from tandem.core.views import company_view

from .. import exports, services
from ..forms import DATE
from ..queries import reports
from .ledger import ReportForm, _fmt, _page, _report_range


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()


class CompareForm(ReportForm):
    compare_from = forms.DateField(required=False, widget=DATE)
    compare_to = forms.DateField(required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("compare_from"), data.get("compare_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Give both dates of the comparison range."))
        if start and end and start > end:
            raise forms.ValidationError(_("The comparison starts after it ends."))
        return data


class AsOfReportForm(forms.Form):
    as_of = forms.DateField(required=False, widget=DATE)


def _as_of(request, form):
    if form.is_bound and form.is_valid() and form.cleaned_data.get("as_of"):
        return form.cleaned_data["as_of"]
    return services.company_today(request.company)


@company_view("accounting.view_entry")
def profit_and_loss(request):
    form = CompareForm(request.GET or None)
    date_from, date_to = _report_range(request, form)
    if date_from is None:
        date_from = reports.fiscal_year_start(request.company, date_to)
    compare = None
    lines = []
    data = {"rows": [], "totals": {}}
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        if cleaned.get("compare_from") and cleaned.get("compare_to"):
            compare = (cleaned["compare_from"], cleaned["compare_to"])
        data = reports.profit_and_loss(
            request.company, date_from=date_from, date_to=date_to, compare=compare
        )
        if _fmt(request):
            return exports.profit_and_loss_response(data, fmt=_fmt(request))
        lines = exports.profit_and_loss_lines(data)
    return _page(
        request,
        "accounting/report_profit_and_loss.html",
        {
            "form": form,
            "data": data,
            "lines": lines,
            "compare": compare,
            "date_from": date_from,
            "date_to": date_to,
            "query": _query(request),
        },
        status=422 if form.errors else 200,
    )


@company_view("accounting.view_entry")
def balance_sheet(request):
    form = AsOfReportForm(request.GET or None)
    as_of = _as_of(request, form)
    data = reports.balance_sheet(request.company, as_of=as_of)
    if _fmt(request):
        return exports.balance_sheet_response(data, fmt=_fmt(request))
    labels = exports.bs_section_labels()
    sections = [
        {
            "key": key,
            "label": labels[key],
            "rows": [row for row in data["rows"] if row["section"] == key],
            "total": data["totals"][key],
        }
        for key in reports.BS_SECTIONS
    ]
    return _page(
        request,
        "accounting/report_balance_sheet.html",
        {
            "form": form,
            "data": data,
            "sections": sections,
            "as_of": as_of,
            "query": _query(request),
        },
        status=422 if form.errors else 200,
    )


def _party_link():
    """The invoice list filtered by party when the invoice pages exist, else the party."""
    try:
        base = reverse("accounting:invoice_list")
    except NoReverseMatch:
        return lambda party, kinds: reverse("parties:detail", args=[party])
    return lambda party, kinds: f"{base}?party={party}&state=posted"


def _aged_page(request, side: str):
    form = AsOfReportForm(request.GET or None)
    as_of = _as_of(request, form)
    data = reports.aged_balances(request.company, as_of=as_of, side=side)
    if _fmt(request):
        return exports.aged_response(data, fmt=_fmt(request), filename=f"aged-{side}s")
    link = _party_link()
    rows = [
        {
            **row,
            "figures": [row[key] for key in exports.AGED_KEYS],
            "link": link(row["party"], side),
        }
        for row in data["rows"]
    ]
    title = _("Aged receivables") if side == "receivable" else _("Aged payables")
    return _page(
        request,
        "accounting/report_aged.html",
        {
            "form": form,
            "data": data,
            "rows": rows,
            "totals": [data["totals"][key] for key in exports.AGED_KEYS],
            "headers": exports.aged_headers(),
            "title": title,
            "side": side,
            "as_of": as_of,
            "query": _query(request),
        },
        status=422 if form.errors else 200,
    )


@company_view("accounting.view_invoice")
def aged_receivables(request):
    return _aged_page(request, "receivable")


@company_view("accounting.view_invoice")
def aged_payables(request):
    return _aged_page(request, "payable")


@company_view("accounting.view_entry")
def tax_report(request):
    form = ReportForm(request.GET or None)
    date_from, date_to = _report_range(request, form)
    if date_from is None:
        date_from = reports.fiscal_year_start(request.company, date_to)
    data, error, columns = None, None, []
    if not form.is_bound or form.is_valid():
        try:
            from ..queries.taxes import tax_report as query
        except ImportError:
            error = _("The tax report is not available yet.")
        else:
            try:
                data = query(request.company, date_from=date_from, date_to=date_to)
            except DomainError as exc:
                error = exc.message
    if data is not None:
        if _fmt(request):
            return exports.table_response(data, fmt=_fmt(request), filename="tax-report")
        for row in data.get("rows") or []:
            columns.extend(key for key in row if key not in columns)
    table = [[row.get(key) for key in columns] for row in (data or {}).get("rows") or []]
    totals = (data or {}).get("totals") or {}
    return _page(
        request,
        "accounting/report_tax.html",
        {
            "form": form,
            "data": data,
            "columns": columns,
            "table": table,
            "totals": [totals.get(key, "") for key in columns] if totals else [],
            "error": error,
            "date_from": date_from,
            "date_to": date_to,
            "query": _query(request),
        },
        status=422 if form.errors else 200,
    )


urlpatterns = [
    path("reports/profit-and-loss/", profit_and_loss, name="profit_and_loss"),
    path("reports/balance-sheet/", balance_sheet, name="balance_sheet"),
    path("reports/aged-receivables/", aged_receivables, name="aged_receivables"),
    path("reports/aged-payables/", aged_payables, name="aged_payables"),
    path("reports/tax/", tax_report, name="tax_report"),
]
