"""/accounts, /journals, /fiscal-years, /periods, /entries, /reports/* (thin: see services)."""

from datetime import date
from typing import Literal

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat, ExtractMonth, ExtractYear, LPad
from ninja import Query, Router, Status

from tandem.api.context import (
    company_of,
    get_ref,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.core.errors import ValidationFailed
from tandem.parties.models import Party

from .. import exports, queries, services
from ..models import Account, Entry, FiscalYear, Journal, Period
from ..schemas import (
    MAX_ID,
    NO_NUL,
    AccountIn,
    AccountOut,
    AccountPatch,
    ChartInstallIn,
    ChartInstallOut,
    EntryIn,
    EntryListOut,
    EntryOut,
    EntryPatch,
    EntryReverseIn,
    FiscalYearCloseIn,
    FiscalYearIn,
    FiscalYearOut,
    JournalIn,
    JournalOut,
    JournalPatch,
    PeriodOut,
)

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)
Format = Literal["json", "csv", "xlsx"]


# -- accounts ------------------------------------------------------------------------------


@router.get("/accounts", response=page_of(AccountOut), tags=["accounting"])
def account_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    type: str = Query("", pattern=r"^(|asset|liability|equity|income|expense)$"),
    role: str = Query("", max_length=30, pattern=r"^[a-z_]*$"),
    parent: int | None = ID,
    active: bool | None = None,
):
    require_perm(request, "accounting.view_account")
    qs = Account.objects.filter(company=company_of(request))
    if search:
        qs = (
            qs.filter(code__istartswith=search)
            | qs.filter(name__icontains=search)
            | (qs.filter(name_en__icontains=search))
        )
    if type:
        qs = qs.filter(type=type)
    if role:
        qs = qs.filter(role=role)
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("code", "id"), limit=limit, offset=offset)


# before /accounts/{account_id}, so the path is not read as an id
@router.post("/accounts/install-chart", response={201: ChartInstallOut}, tags=["accounting"])
def chart_install(request, payload: ChartInstallIn):
    """Install the PRC (企业会计准则) or the generic chart, journals and the current year."""
    require_perm(request, "accounting.add_account")
    result = services.chart_install(company=company_of(request), template=payload.template)
    return Status(201, {**result, "fiscal_year": result["fiscal_year"].pk})


@router.get("/accounts/{account_id}", response=AccountOut, tags=["accounting"])
def account_read(request, account_id: int):
    require_perm(request, "accounting.view_account")
    return get_scoped(Account, request, account_id)


@router.post("/accounts", response={201: AccountOut}, tags=["accounting"])
def account_add(request, payload: AccountIn):
    require_perm(request, "accounting.add_account")
    data = payload.dict()
    data["parent"] = get_ref(Account, request, data["parent"], field="parent")
    return Status(201, services.account_create(company=company_of(request), **data))


@router.patch("/accounts/{account_id}", response=AccountOut, tags=["accounting"])
def account_update(request, account_id: int, payload: AccountPatch):
    require_perm(request, "accounting.change_account")
    account = get_scoped(Account, request, account_id)
    changes = payload.dict(exclude_unset=True)
    if "parent" in changes:
        changes["parent"] = get_ref(Account, request, changes["parent"], field="parent")
    # null clears the role and the parent; elsewhere it is ignored
    changes = {k: v for k, v in changes.items() if v is not None or k in ("role", "parent")}
    return services.account_update(account=account, **changes)


@router.delete("/accounts/{account_id}", response={204: None}, tags=["accounting"])
def account_delete(request, account_id: int):
    require_perm(request, "accounting.delete_account")
    services.account_delete(account=get_scoped(Account, request, account_id))
    return Status(204, None)


# -- journals ------------------------------------------------------------------------------


@router.get("/journals", response=page_of(JournalOut), tags=["accounting"])
def journal_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query("", max_length=100, pattern=NO_NUL, description="code or name"),
    kind: str = Query("", pattern=r"^(|sales|purchase|bank|cash|general|stock)$"),
    active: bool | None = None,
):
    require_perm(request, "accounting.view_journal")
    qs = Journal.objects.filter(company=company_of(request))
    search = search.strip()
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("code", "id"), limit=limit, offset=offset)


@router.get("/journals/{journal_id}", response=JournalOut, tags=["accounting"])
def journal_read(request, journal_id: int):
    require_perm(request, "accounting.view_journal")
    return get_scoped(Journal, request, journal_id)


@router.post("/journals", response={201: JournalOut}, tags=["accounting"])
def journal_add(request, payload: JournalIn):
    require_perm(request, "accounting.add_journal")
    data = payload.dict()
    data["default_account"] = get_ref(
        Account, request, data["default_account"], field="default_account"
    )
    return Status(201, services.journal_create(company=company_of(request), **data))


@router.patch("/journals/{journal_id}", response=JournalOut, tags=["accounting"])
def journal_update(request, journal_id: int, payload: JournalPatch):
    require_perm(request, "accounting.change_journal")
    journal = get_scoped(Journal, request, journal_id)
    changes = payload.dict(exclude_unset=True)
    if "default_account" in changes:
        changes["default_account"] = get_ref(
            Account, request, changes["default_account"], field="default_account"
        )
    changes = {k: v for k, v in changes.items() if v is not None or k == "default_account"}
    return services.journal_update(journal=journal, **changes)


@router.delete("/journals/{journal_id}", response={204: None}, tags=["accounting"])
def journal_delete(request, journal_id: int):
    require_perm(request, "accounting.delete_journal")
    services.journal_delete(journal=get_scoped(Journal, request, journal_id))
    return Status(204, None)


# -- fiscal years and periods --------------------------------------------------------------


def _years(request):
    return FiscalYear.objects.filter(company=company_of(request)).prefetch_related("periods")


@router.get("/fiscal-years", response=page_of(FiscalYearOut), tags=["accounting"])
def fiscal_year_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query("", max_length=100, pattern=NO_NUL, description="name"),
    state: str = Query("", pattern=r"^(|open|closed)$"),
):
    require_perm(request, "accounting.view_fiscalyear")
    qs = _years(request)
    search = search.strip()
    if search:
        qs = qs.filter(name__icontains=search)
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-date_start", "id"), limit=limit, offset=offset)


@router.get("/fiscal-years/{year_id}", response=FiscalYearOut, tags=["accounting"])
def fiscal_year_read(request, year_id: int):
    require_perm(request, "accounting.view_fiscalyear")
    return get_scoped(_years(request), request, year_id, label="fiscal_year")


@router.post("/fiscal-years", response={201: FiscalYearOut}, tags=["accounting"])
def fiscal_year_add(request, payload: FiscalYearIn):
    """Twelve monthly periods; without `date_start` the year after the latest one."""
    require_perm(request, "accounting.add_fiscalyear")
    year = services.fiscal_year_create(
        company=company_of(request), date_start=payload.date_start, name=payload.name
    )
    return Status(201, get_scoped(_years(request), request, year.pk))


@router.post("/fiscal-years/{year_id}/close", response=FiscalYearOut, tags=["accounting"])
def fiscal_year_close(request, year_id: int, payload: FiscalYearCloseIn | None = None):
    """Year-end close: post the closing entry to retained earnings, close every period."""
    require_perm(request, "accounting.change_fiscalyear")
    year = get_scoped(FiscalYear, request, year_id, label="fiscal_year")
    journal = get_ref(Journal, request, payload.journal if payload else None, field="journal")
    services.year_end_close(fiscal_year=year, user=request.user, journal=journal)
    return get_scoped(_years(request), request, year.pk)


def _period_name():
    """A period's name as `Period.__str__` shows it (2026-03), in SQL, so search pages."""
    return Concat(
        Cast(ExtractYear("date_start"), CharField()),
        Value("-"),
        LPad(Cast(ExtractMonth("date_start"), CharField()), 2, Value("0")),
        output_field=CharField(),
    )


@router.get("/periods", response=page_of(PeriodOut), tags=["accounting"])
def period_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query(
        "", max_length=100, pattern=NO_NUL, description="name (2026-03) or the fiscal year's name"
    ),
    fiscal_year: int | None = ID,
    state: str = Query("", pattern=r"^(|open|closed)$"),
    on: date | None = Query(None, alias="date"),
):
    require_perm(request, "accounting.view_period")
    qs = Period.objects.filter(company=company_of(request))
    search = search.strip()
    if search:
        qs = qs.annotate(name=_period_name()).filter(
            Q(name__icontains=search) | Q(fiscal_year__name__icontains=search)
        )
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year_id=fiscal_year)
    if state:
        qs = qs.filter(state=state)
    if on is not None:
        qs = qs.filter(date_start__lte=on, date_end__gte=on)
    return paginate(qs.order_by("date_start", "id"), limit=limit, offset=offset)


@router.get("/periods/{period_id}", response=PeriodOut, tags=["accounting"])
def period_read(request, period_id: int):
    require_perm(request, "accounting.view_period")
    return get_scoped(Period, request, period_id)


@router.post("/periods/{period_id}/close", response=PeriodOut, tags=["accounting"])
def period_close(request, period_id: int):
    """Accountant only (accounting.change_period); 409 while drafts are dated in it."""
    require_perm(request, "accounting.change_period")
    period = get_scoped(Period, request, period_id)
    return services.period_close(period=period, user=request.user)


@router.post("/periods/{period_id}/reopen", response=PeriodOut, tags=["accounting"])
def period_reopen(request, period_id: int):
    require_perm(request, "accounting.change_period")
    period = get_scoped(Period, request, period_id)
    return services.period_reopen(period=period, user=request.user)


# -- entries -------------------------------------------------------------------------------


def _entry(request, entry_id):
    entry = queries.entry_with_lines(company_of(request), entry_id)
    if entry is None:
        get_scoped(Entry, request, entry_id)  # raises the 404
    return entry


def _lines(request, lines) -> list[dict]:
    company = company_of(request)
    account_ids = {line["account"] for line in lines}
    party_ids = {line["party"] for line in lines if line.get("party") is not None}
    accounts = Account.objects.filter(company=company).in_bulk(account_ids)
    parties = Party.objects.filter(company=company).in_bulk(party_ids) if party_ids else {}
    rows = []
    for index, line in enumerate(lines):
        account = accounts.get(line["account"])
        if account is None:
            raise services.InvalidReference(
                f"account: no such record with id {line['account']}",
                field=f"lines.{index}.account",
            )
        party = None
        if line.get("party") is not None:
            party = parties.get(line["party"])
            if party is None:
                raise services.InvalidReference(
                    f"party: no such record with id {line['party']}",
                    field=f"lines.{index}.party",
                )
        rows.append({**line, "account": account, "party": party})
    return rows


@router.get("/entries", response=page_of(EntryListOut), tags=["accounting"])
def entry_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    journal: int | None = ID,
    state: str = Query("", pattern=r"^(|draft|posted)$"),
    date_from: date | None = None,
    date_to: date | None = None,
    account: int | None = ID,
    party: int | None = ID,
):
    require_perm(request, "accounting.view_entry")
    qs = queries.entries_filtered(
        company_of(request),
        journal=journal,
        state=state,
        date_from=date_from,
        date_to=date_to,
        account=account,
        party=party,
        search=search,
    )
    return paginate(qs, limit=limit, offset=offset)


@router.get("/entries/{entry_id}", response=EntryOut, tags=["accounting"])
def entry_read(request, entry_id: int):
    require_perm(request, "accounting.view_entry")
    return _entry(request, entry_id)


@router.post("/entries", response={201: EntryOut}, tags=["accounting"])
def entry_add(request, payload: EntryIn):
    """A draft; post it with POST /entries/{id}/post."""
    require_perm(request, "accounting.add_entry")
    data = payload.dict()
    entry = services.entry_create(
        company=company_of(request),
        journal=get_ref(Journal, request, data["journal"], field="journal"),
        date=data["date"],
        reference=data["reference"],
        narration=data["narration"],
        lines=_lines(request, data["lines"]),
        user=request.user,
    )
    return Status(201, _entry(request, entry.pk))


@router.patch("/entries/{entry_id}", response=EntryOut, tags=["accounting"])
def entry_update(request, entry_id: int, payload: EntryPatch):
    """Drafts only (409 `entry.posted`); `lines`, when given, replace all lines."""
    require_perm(request, "accounting.change_entry")
    entry = get_scoped(Entry, request, entry_id)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    if "journal" in changes:
        changes["journal"] = get_ref(Journal, request, changes["journal"], field="journal")
    if "lines" in changes:
        changes["lines"] = _lines(request, changes["lines"])
    services.entry_update(entry=entry, **changes)
    return _entry(request, entry.pk)


@router.delete("/entries/{entry_id}", response={204: None}, tags=["accounting"])
def entry_delete(request, entry_id: int):
    require_perm(request, "accounting.delete_entry")
    services.entry_delete(entry=get_scoped(Entry, request, entry_id))
    return Status(204, None)


@router.post("/entries/{entry_id}/post", response=EntryOut, tags=["accounting"])
def entry_post(request, entry_id: int):
    """Balanced (422 `ledger.unbalanced`), in an open period (409 `period.closed`)."""
    require_perm(request, "accounting.change_entry")
    entry = get_scoped(Entry, request, entry_id)
    services.entry_post(entry=entry, user=request.user)
    return _entry(request, entry.pk)


@router.post("/entries/{entry_id}/reverse", response={201: EntryOut}, tags=["accounting"])
def entry_reverse(request, entry_id: int, payload: EntryReverseIn | None = None):
    """Posts the mirror entry and answers it (201); 409 `entry.already_reversed`."""
    require_perm(request, "accounting.change_entry")
    entry = get_scoped(Entry, request, entry_id)
    reversal = services.entry_reverse(
        entry=entry, date=payload.date if payload else None, user=request.user
    )
    return Status(201, _entry(request, reversal.pk))


# -- reports -------------------------------------------------------------------------------


def report_range(company, *, date_from, date_to, as_of) -> tuple[date | None, date]:
    """(date_from, date_to) from the report query: a range, or everything up to `as_of`."""
    if as_of is not None and (date_from is not None or date_to is not None):
        raise ValidationFailed(
            "Give either as_of or date_from/date_to", code="report.range", field="as_of"
        )
    if as_of is not None:
        return None, as_of
    date_to = date_to or services.company_today(company)
    if date_from is not None and date_from > date_to:
        raise ValidationFailed(
            "date_from is after date_to", code="validation.date_range", field="date_from"
        )
    return date_from, date_to


@router.get("/reports/trial-balance", tags=["reports"])
def trial_balance(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | None = None,
    format: Format = "json",
):
    """Rows per account: `account` (code), `name`, opening, `debit`/`credit` of the range,
    closing and `balance` (debit minus credit); totals `debit` == `credit`."""
    require_perm(request, "accounting.view_entry")
    company = company_of(request)
    start, end = report_range(company, date_from=date_from, date_to=date_to, as_of=as_of)
    data = queries.trial_balance(company, date_from=start, date_to=end)
    if format != "json":
        return exports.trial_balance_response(data, fmt=format)
    data["currency"] = company.currency_id
    return data


@router.get("/reports/general-ledger", tags=["reports"])
def general_ledger(
    request,
    account: list[str] = Query(None, max_length=50),
    party: int | None = ID,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | None = None,
    format: Format = "json",
    limit: int = Query(500, ge=1, le=5000),
    offset: int = OFFSET,
):
    """Lines of the accounts (codes; all when omitted) with running balances; JSON pages by
    limit/offset, CSV/XLSX carry every line."""
    require_perm(request, "accounting.view_entry")
    company = company_of(request)
    start, end = report_range(company, date_from=date_from, date_to=date_to, as_of=as_of)
    account_ids = None
    if account:
        codes = list(dict.fromkeys(code.strip() for code in account))
        if any("\x00" in code or len(code) > 30 for code in codes):
            raise ValidationFailed("account: not an account code", field="account")
        found = dict(
            Account.objects.filter(company=company, code__in=codes).values_list("code", "pk")
        )
        missing = [code for code in codes if code not in found]
        if missing:
            raise services.InvalidReference(f"account: no account {missing[0]}", field="account")
        account_ids = [found[code] for code in codes]
    party_obj = get_ref(Party, request, party, field="party")
    data = queries.general_ledger(
        company,
        accounts=account_ids,
        date_from=start,
        date_to=end,
        party=party_obj.pk if party_obj else None,
        limit=None if format != "json" else limit,
        offset=0 if format != "json" else offset,
    )
    if format != "json":
        return exports.general_ledger_response(data, fmt=format)
    data["currency"] = company.currency_id
    data["limit"], data["offset"] = limit, offset
    return data
