"""Accounting pages (thin: forms parse, services decide, queries read)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view
from tandem.parties.models import Party

from .. import exports, queries, services
from ..forms import (
    DATE,
    AccountForm,
    ChartInstallForm,
    EntryForm,
    FiscalYearForm,
    JournalForm,
    LineFormSet,
    account_label,
    add_domain_error,
)
from ..models import Account, Entry, EntryState, FiscalYear, Journal, Period

PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 200


def _perms(request) -> dict:
    names = {}
    for model in ("account", "journal", "entry", "period", "fiscalyear"):
        for action in ("add", "change", "delete", "view"):
            names[f"{action}_{model}"] = request_has_perm(request, f"accounting.{action}_{model}")
    return names


def _page(request, template, context, status=200):
    context.setdefault("perms_accounting", _perms(request))
    return render(request, template, context, status=status)


# -- home and chart ------------------------------------------------------------------------


@company_view("accounting.view_account")
def home(request):
    company = request.company
    perms = _perms(request)
    data = queries.overview(company, today=services.company_today(company))
    install_form = ChartInstallForm() if not data["has_chart"] and perms["add_account"] else None
    return _page(
        request,
        "accounting/home.html",
        {"overview": data, "install_form": install_form, "perms_accounting": perms},
    )


@require_POST
@company_view("accounting.add_account")
def chart_install(request):
    form = ChartInstallForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a chart of accounts template."))
        return redirect("accounting:home")
    try:
        result = services.chart_install(
            company=request.company, template=form.cleaned_data["template"]
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Chart of accounts installed: %(accounts)s accounts, %(journals)s journals.")
            % {"accounts": result["accounts"], "journals": result["journals"]},
        )
    return redirect("accounting:home")


class AsOfForm(forms.Form):
    as_of = forms.DateField(required=False, widget=DATE)


@company_view("accounting.view_account")
def account_list(request):
    company = request.company
    form = AsOfForm(request.GET or None)
    as_of = services.company_today(company)
    if form.is_valid() and form.cleaned_data.get("as_of"):
        as_of = form.cleaned_data["as_of"]
    return _page(
        request,
        "accounting/account_list.html",
        {"tree": queries.chart_tree(company, as_of=as_of), "as_of": as_of, "form": form},
    )


def _account_form_page(request, account):
    form = AccountForm(request.POST or None, company=request.company, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            if account is None:
                account = services.account_create(company=request.company, **form.service_data())
            else:
                services.account_update(account=account, **form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Account %(code)s saved.") % {"code": account.code})
            return redirect("accounting:account_list")
    history = history_rows(account) if account is not None else []
    return _page(
        request,
        "accounting/account_form.html",
        {"form": form, "account": account, "history": history},
        status=422 if form.errors else 200,
    )


@company_view("accounting.add_account")
def account_create(request):
    return _account_form_page(request, None)


@company_view("accounting.change_account")
def account_edit(request, pk):
    return _account_form_page(request, get_object_or_404(Account, company=request.company, pk=pk))


@require_POST
@company_view("accounting.delete_account")
def account_delete(request, pk):
    account = get_object_or_404(Account, company=request.company, pk=pk)
    try:
        services.account_delete(account=account)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:account_edit", pk=pk)
    messages.success(request, _("Account %(code)s deleted.") % {"code": account.code})
    return redirect("accounting:account_list")


# -- journals ------------------------------------------------------------------------------


@company_view("accounting.view_journal")
def journal_list(request):
    form = None
    if request_has_perm(request, "accounting.add_journal"):
        form = JournalForm(request.POST or None, company=request.company)
        if request.method == "POST" and form.is_valid():
            try:
                journal = services.journal_create(company=request.company, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Journal %(code)s added.") % {"code": journal.code})
                return redirect("accounting:journal_list")
    elif request.method == "POST":
        raise PermissionDenied
    return _page(
        request,
        "accounting/journal_list.html",
        {"journals": queries.journals_of(request.company), "form": form},
        status=422 if form is not None and form.errors else 200,
    )


@company_view("accounting.change_journal")
def journal_edit(request, pk):
    journal = get_object_or_404(Journal, company=request.company, pk=pk)
    form = JournalForm(request.POST or None, company=request.company, journal=journal)
    if request.method == "POST" and form.is_valid():
        try:
            services.journal_update(journal=journal, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Journal %(code)s saved.") % {"code": journal.code})
            return redirect("accounting:journal_list")
    return _page(
        request,
        "accounting/journal_form.html",
        {"form": form, "journal": journal, "history": history_rows(journal)},
        status=422 if form.errors else 200,
    )


# -- entries -------------------------------------------------------------------------------


class EntryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100)
    journal = forms.ModelChoiceField(queryset=Journal.objects.none(), required=False)
    state = forms.ChoiceField(choices=[("", "")] + list(EntryState.choices), required=False)
    date_from = forms.DateField(required=False, widget=DATE)
    date_to = forms.DateField(required=False, widget=DATE)
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    party = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["journal"].queryset = Journal.objects.filter(company=company)
        self.fields["account"].queryset = Account.objects.filter(company=company).order_by("code")
        self.fields["account"].label_from_instance = account_label
        self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "search": data.get("q") or "",
            "journal": data["journal"].pk if data.get("journal") else None,
            "state": data.get("state") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "account": data["account"].pk if data.get("account") else None,
            "party": data["party"].pk if data.get("party") else None,
        }


@company_view("accounting.view_entry")
def entry_list(request):
    company = request.company
    form = EntryFilterForm(request.GET or None, company=company)
    entries = queries.entries_filtered(company, **form.filters())
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "form": form, "query": query.urlencode()}
    if request.htmx and not request.htmx.boosted:
        return _page(request, "accounting/_entry_table.html", context)
    return _page(request, "accounting/entry_list.html", context)


def _entry_of(request, pk) -> Entry:
    entry = queries.entry_with_lines(request.company, pk)
    if entry is None:
        raise Http404("No such entry")
    return entry


def entry_events(entry: Entry) -> list[dict]:
    """The entry's own audit trail: created, posted, reversal links."""
    rows = [{"when": entry.created_at, "who": entry.created_by, "what": _("Created as draft")}]
    if entry.posted_at:
        rows.append(
            {
                "when": entry.posted_at,
                "who": entry.posted_by,
                "what": _("Posted as %(number)s") % {"number": entry.number},
            }
        )
    return rows


@company_view("accounting.view_entry")
def entry_detail(request, pk):
    entry = _entry_of(request, pk)
    lines = list(entry.lines.all())
    reversed_by = (
        Entry.objects.filter(pk=entry.reversed_by_id).first() if entry.reversed_by_id else None
    )
    return _page(
        request,
        "accounting/entry_detail.html",
        {
            "entry": entry,
            "lines": lines,
            "reversed_by": reversed_by,
            "events": entry_events(entry),
            "today": services.company_today(request.company),
        },
    )


def _entry_initial_lines(entry: Entry) -> list[dict]:
    return [
        {
            "account": line.account_id,
            "party": line.party_id,
            "description": line.description,
            "debit": line.debit or None,
            "credit": line.credit or None,
            "currency": line.currency_id if line.currency_id != entry.company.currency_id else None,
            "amount_currency": line.amount_currency
            if line.currency_id != entry.company.currency_id
            else None,
        }
        for line in entry.lines.order_by("id")
    ]


def _entry_form_page(request, entry: Entry | None):
    company = request.company
    if entry is not None and entry.state != EntryState.DRAFT:
        messages.error(request, _("Posted entries cannot change; reverse them instead."))
        return redirect("accounting:entry_detail", pk=entry.pk)
    status = 200
    if request.method == "POST":
        data = request.POST.copy()
        adding = "add_line" in data
        if adding:
            total = data.get("lines-TOTAL_FORMS", "0")
            data["lines-TOTAL_FORMS"] = str(min(int(total) if total.isdigit() else 0, 499) + 1)
        form = EntryForm(data, company=company)
        formset = LineFormSet(data, prefix="lines", company=company)
        if not adding and form.is_valid() and formset.is_valid():
            result = _entry_save(request, entry, form, formset)
            if result is not None:
                return result
        if not adding:
            status = 422
    else:
        if entry is None:
            default = (
                Journal.objects.filter(company=company, kind="general", active=True)
                .order_by("code")
                .first()
            )
            initial = {"date": services.company_today(company), "journal": default}
            lines = [{}, {}]
        else:
            initial = {
                "journal": entry.journal_id,
                "date": entry.date,
                "reference": entry.reference,
                "narration": entry.narration,
            }
            lines = _entry_initial_lines(entry)
        form = EntryForm(initial=initial, company=company)
        formset = LineFormSet(initial=lines, prefix="lines", company=company)
    return _page(
        request,
        "accounting/entry_form.html",
        {"form": form, "formset": formset, "entry": entry, "adding": request.method == "POST"},
        status=status,
    )


def _entry_save(request, entry, form, formset):
    data = form.cleaned_data
    post_now = "save_post" in request.POST
    try:
        with transaction.atomic():
            if entry is None:
                entry = services.entry_create(
                    company=request.company,
                    journal=data["journal"],
                    date=data["date"],
                    reference=data["reference"],
                    narration=data["narration"],
                    lines=formset.lines(),
                    user=request.user,
                )
            else:
                services.entry_update(
                    entry=entry,
                    journal=data["journal"],
                    date=data["date"],
                    reference=data["reference"],
                    narration=data["narration"],
                    lines=formset.lines(),
                )
            if post_now:
                entry = services.entry_post(entry=entry, user=request.user)
    except DomainError as error:
        add_domain_error(form, error, formset=formset)
        return None
    if post_now:
        messages.success(request, _("Entry %(number)s posted.") % {"number": entry.number})
    else:
        messages.success(request, _("Draft entry saved."))
    return redirect("accounting:entry_detail", pk=entry.pk)


@company_view("accounting.add_entry")
def entry_create(request):
    return _entry_form_page(request, None)


@company_view("accounting.change_entry")
def entry_edit(request, pk):
    return _entry_form_page(request, get_object_or_404(Entry, company=request.company, pk=pk))


@require_POST
@company_view("accounting.change_entry")
def entry_post(request, pk):
    entry = get_object_or_404(Entry, company=request.company, pk=pk)
    try:
        entry = services.entry_post(entry=entry, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Entry %(number)s posted.") % {"number": entry.number})
    return redirect("accounting:entry_detail", pk=pk)


class ReverseForm(forms.Form):
    date = forms.DateField(required=False, widget=DATE)


@require_POST
@company_view("accounting.change_entry")
def entry_reverse(request, pk):
    entry = get_object_or_404(Entry, company=request.company, pk=pk)
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid date."))
        return redirect("accounting:entry_detail", pk=pk)
    try:
        reversal = services.entry_reverse(
            entry=entry, date=form.cleaned_data.get("date"), user=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:entry_detail", pk=pk)
    messages.success(
        request,
        _("Entry %(number)s reversed by %(reversal)s.")
        % {"number": entry.number, "reversal": reversal.number},
    )
    return redirect("accounting:entry_detail", pk=reversal.pk)


@require_POST
@company_view("accounting.delete_entry")
def entry_delete(request, pk):
    entry = get_object_or_404(Entry, company=request.company, pk=pk)
    try:
        services.entry_delete(entry=entry)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("accounting:entry_detail", pk=pk)
    messages.success(request, _("Draft entry deleted."))
    return redirect("accounting:entry_list")


# -- fiscal years and periods --------------------------------------------------------------


@company_view("accounting.view_period")
def period_list(request):
    form = None
    if request_has_perm(request, "accounting.add_fiscalyear"):
        form = FiscalYearForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                year = services.fiscal_year_create(
                    company=request.company,
                    date_start=form.cleaned_data.get("date_start"),
                    name=form.cleaned_data.get("name") or None,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Fiscal year %(name)s created.") % {"name": year})
                return redirect("accounting:period_list")
    elif request.method == "POST":
        raise PermissionDenied
    return _page(
        request,
        "accounting/period_list.html",
        {"years": queries.fiscal_years_with_periods(request.company), "form": form},
        status=422 if form is not None and form.errors else 200,
    )


def _period_action(request, pk, action):
    period = get_object_or_404(Period, company=request.company, pk=pk)
    try:
        action(period=period, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return False
    return period


@require_POST
@company_view("accounting.change_period")
def period_close(request, pk):
    period = _period_action(request, pk, services.period_close)
    if period:
        messages.success(request, _("Period %(period)s closed.") % {"period": period})
    return redirect("accounting:period_list")


@require_POST
@company_view("accounting.change_period")
def period_reopen(request, pk):
    period = _period_action(request, pk, services.period_reopen)
    if period:
        messages.success(request, _("Period %(period)s reopened.") % {"period": period})
    return redirect("accounting:period_list")


@require_POST
@company_view("accounting.change_fiscalyear")
def fiscal_year_close(request, pk):
    year = get_object_or_404(FiscalYear, company=request.company, pk=pk)
    try:
        services.year_end_close(fiscal_year=year, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Fiscal year %(name)s closed.") % {"name": year.name})
    return redirect("accounting:period_list")


# -- reports -------------------------------------------------------------------------------


class ReportForm(forms.Form):
    date_from = forms.DateField(required=False, widget=DATE)
    date_to = forms.DateField(required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


def _report_range(request, form):
    company = request.company
    today = services.company_today(company)
    year = FiscalYear.objects.filter(
        company=company, date_start__lte=today, date_end__gte=today
    ).first()
    default_from = year.date_start if year else today.replace(month=1, day=1)
    if form.is_bound and form.is_valid():
        return form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to") or today
    return default_from, today


def _fmt(request) -> str | None:
    fmt = request.GET.get("format")
    return fmt if fmt in ("csv", "xlsx") else None


@company_view("accounting.view_entry")
def trial_balance(request):
    form = ReportForm(request.GET or None)
    date_from, date_to = _report_range(request, form)
    if form.is_bound and not form.is_valid():
        data = {"rows": [], "totals": {}}
    else:
        data = queries.trial_balance(request.company, date_from=date_from, date_to=date_to)
        if _fmt(request):
            return exports.trial_balance_response(data, fmt=_fmt(request))
    query = request.GET.copy()
    query.pop("format", None)
    return _page(
        request,
        "accounting/trial_balance.html",
        {
            "form": form,
            "data": data,
            "date_from": date_from,
            "date_to": date_to,
            "query": query.urlencode(),
        },
        status=422 if form.errors else 200,
    )


class LedgerForm(ReportForm):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), required=False)
    party = forms.ModelChoiceField(queryset=Party.objects.none(), required=False)

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.filter(company=company).order_by("code")
        self.fields["account"].label_from_instance = account_label
        self.fields["party"].queryset = Party.objects.filter(company=company).order_by("name")


@company_view("accounting.view_entry")
def general_ledger(request):
    company = request.company
    form = LedgerForm(request.GET or None, company=company)
    date_from, date_to = _report_range(request, form)
    account = party = None
    data = None
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        account, party = cleaned.get("account"), cleaned.get("party")
        fmt = _fmt(request)
        try:
            page_number = min(max(1, int(request.GET.get("page", "1"))), 10**6)
        except ValueError:
            page_number = 1
        data = queries.general_ledger(
            company,
            accounts=[account.pk] if account else None,
            date_from=date_from,
            date_to=date_to,
            party=party.pk if party else None,
            limit=None if fmt else LEDGER_PAGE_SIZE,
            offset=0 if fmt else (page_number - 1) * LEDGER_PAGE_SIZE,
        )
        if fmt:
            return exports.general_ledger_response(data, fmt=fmt)
        data["page"] = page_number
        data["pages"] = max(1, -(-data["count"] // LEDGER_PAGE_SIZE))
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("page", None)
    return _page(
        request,
        "accounting/general_ledger.html",
        {
            "form": form,
            "data": data,
            "account": account,
            "party": party,
            "date_from": date_from,
            "date_to": date_to,
            "query": query.urlencode(),
        },
        status=422 if form.errors else 200,
    )
