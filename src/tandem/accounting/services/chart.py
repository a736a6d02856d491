"""Chart of accounts, journals and fiscal years: installing a template and maintaining them."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from simple_history.utils import bulk_create_with_history

from tandem.core import events
from tandem.core.errors import Conflict, Duplicate, ValidationFailed
from tandem.core.models import Company

from ..charts import TEMPLATES
from ..errors import ChartInstalled, InUse
from ..models import (
    SINGLE_ROLES,
    Account,
    AccountRole,
    AccountType,
    EntryLine,
    FiscalYear,
    Journal,
    JournalKind,
    Period,
    account_code_validator,
    journal_code_validator,
)
from ._common import UNSET, check_company, choice, company_today, lock_one, text

ACCOUNT_FIELDS = ("code", "name", "name_en", "type", "role", "parent", "reconcile", "active")
JOURNAL_FIELDS = ("code", "name", "kind", "default_account", "active")


def _lock_company(company: Company) -> None:
    """Serialise chart and fiscal-year set-up per company (both check, then insert)."""
    Company.objects.select_for_update().filter(pk=company.pk).values_list("pk").first()


# -- fiscal years --------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fiscal_year_start_for(company: Company, on_date: date) -> date:
    """The first day of the company's fiscal year that contains `on_date`."""
    month = company.fiscal_year_start_month
    start = date(on_date.year, month, 1)
    return start if start <= on_date else date(on_date.year - 1, month, 1)


def _year_name(date_start: date) -> str:
    if date_start.month == 1:
        return str(date_start.year)
    return f"{date_start.year}/{(date_start.year + 1) % 100:02d}"


@transaction.atomic
def fiscal_year_create(
    *, company: Company, date_start: date | None = None, name: str | None = None
) -> FiscalYear:
    """A twelve-month fiscal year with twelve monthly periods, all open.

    Without `date_start` it follows the latest year, or else covers today.
    """
    _lock_company(company)
    if date_start is None:
        latest = FiscalYear.objects.filter(company=company).order_by("-date_end").first()
        if latest is not None:
            date_start = latest.date_end + timedelta(days=1)
        else:
            date_start = fiscal_year_start_for(company, company_today(company))
    if not 1900 <= date_start.year <= 9000:
        raise ValidationFailed(
            "A fiscal year starts between 1900 and 9000",
            code="validation.date_range",
            field="date_start",
        )
    if date_start.day != 1:
        raise ValidationFailed(
            "A fiscal year starts on the first day of a month",
            code="fiscal_year.start_day",
            field="date_start",
        )
    date_end = _add_months(date_start, 12) - timedelta(days=1)
    name = text(name, field="name", max_length=30) or _year_name(date_start)
    overlap = (
        FiscalYear.objects.filter(
            company=company, date_start__lte=date_end, date_end__gte=date_start
        )
        .values_list("name", flat=True)
        .first()
    )
    if overlap is not None:
        raise Conflict(
            f"The fiscal year {overlap} overlaps {date_start} to {date_end}",
            code="fiscal_year.overlap",
            field="date_start",
        )
    if FiscalYear.objects.filter(company=company, name=name).exists():
        raise Duplicate(
            f"A fiscal year named {name} exists", code="fiscal_year.duplicate", field="name"
        )
    year = FiscalYear.objects.create(
        company=company, name=name, date_start=date_start, date_end=date_end
    )
    periods = []
    for number in range(1, 13):
        start = _add_months(date_start, number - 1)
        periods.append(
            Period(
                company=company,
                fiscal_year=year,
                number=number,
                date_start=start,
                date_end=_add_months(date_start, number) - timedelta(days=1),
            )
        )
    bulk_create_with_history(periods, Period)
    return year


# -- chart templates -----------------------------------------------------------------------


@transaction.atomic
def chart_install(*, company: Company, template: str = "prc") -> dict:
    """Create a template's accounts and journals, and the current fiscal year if missing.

    Refused (409 `chart.installed`) once the company has any account or journal.
    """
    chart = TEMPLATES.get(template)
    if chart is None:
        raise ValidationFailed(
            f"template: choose one of {', '.join(sorted(TEMPLATES))}",
            code="chart.template_unknown",
            field="template",
        )
    _lock_company(company)
    if (
        Account.objects.filter(company=company).exists()
        or Journal.objects.filter(company=company).exists()
    ):
        raise ChartInstalled("The company already has a chart of accounts")
    by_code: dict[str, Account] = {}
    remaining = list(chart["accounts"])
    while remaining:  # parents first: one bulk insert per level of the tree
        level = [row for row in remaining if row[5] is None or row[5] in by_code]
        if not level:
            raise ValueError(f"chart {template}: unknown parent in {remaining[0]}")
        accounts = [
            Account(
                company=company,
                code=code,
                name=name,
                name_en=name_en,
                type=kind,
                role=role,
                parent=by_code.get(parent) if parent else None,
                reconcile=reconcile,
            )
            for code, name, name_en, kind, role, parent, reconcile in level
        ]
        for account in bulk_create_with_history(accounts, Account):
            by_code[account.code] = account
        remaining = [row for row in remaining if row[0] not in by_code]
    if not all(a.pk for a in by_code.values()):  # backends without RETURNING
        by_code = {a.code: a for a in Account.objects.filter(company=company)}
    by_role: dict[str, Account] = {}
    for account in sorted(by_code.values(), key=lambda a: a.code):
        if account.role:
            by_role.setdefault(account.role, account)
    journals = [
        Journal(
            company=company,
            code=code,
            name=name,
            kind=kind,
            default_account=by_role.get(role) if role else None,
        )
        for code, name, kind, role in chart["journals"]
    ]
    bulk_create_with_history(journals, Journal)
    today = company_today(company)
    year = FiscalYear.objects.filter(
        company=company, date_start__lte=today, date_end__gte=today
    ).first()
    if year is None:
        year = fiscal_year_create(company=company)
    from .taxes import taxes_install  # the taxes of the chart, on its tax accounts

    taxes_install(company=company, template=template)
    events.publish("chart.installed", company_id=company.pk, template=template)
    return {
        "template": template,
        "accounts": len(by_code),
        "journals": len(journals),
        "fiscal_year": year,
    }


# -- accounts ------------------------------------------------------------------------------


def _account_check(account: Account) -> None:
    """Validate the merged state of an account before it is saved."""
    account.code = text(account.code, field="code", max_length=30, required=True)
    try:
        account_code_validator(account.code)
    except Exception:
        raise ValidationFailed(
            "code: letters, digits, '.' and '-' only", code="account.code_invalid", field="code"
        ) from None
    account.name = text(account.name, field="name", max_length=200, required=True)
    account.name_en = text(account.name_en, field="name_en", max_length=200)
    choice(account.type, AccountType, field="type")
    if account.role in ("", None):
        account.role = None
    else:
        choice(account.role, AccountRole, field="role")
    parent = account.parent
    if parent is not None:
        check_company(account.company, parent, field="parent")
        if parent.type != account.type:
            raise ValidationFailed(
                f"A sub-account has the type of its parent ({parent.get_type_display()})",
                code="account.parent_invalid",
                field="parent",
            )
        node, seen = parent, set()
        while node is not None and node.pk not in seen:
            if account.pk and node.pk == account.pk:
                raise ValidationFailed(
                    "An account cannot sit under itself",
                    code="account.parent_invalid",
                    field="parent",
                )
            seen.add(node.pk)
            node = node.parent
    _account_unique(account)


def _account_unique(account: Account) -> None:
    same_code = (
        Account.objects.filter(company_id=account.company_id, code=account.code)
        .exclude(pk=account.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if same_code:
        raise Duplicate(
            f"An account with code {account.code} exists",
            code="account.duplicate",
            field="code",
            extra={"existing_id": same_code},
        )
    if account.role in SINGLE_ROLES:
        holder = (
            Account.objects.filter(company_id=account.company_id, role=account.role)
            .exclude(pk=account.pk)
            .values_list("code", flat=True)
            .first()
        )
        if holder:
            raise Conflict(
                f"Account {holder} already has the role {account.role}",
                code="account.role_taken",
                field="role",
            )


def _account_save(account: Account) -> Account:
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        _account_unique(account)  # a concurrent insert won: name it
        raise
    return account


@transaction.atomic
def account_create(
    *,
    company: Company,
    code: str,
    name: str,
    type: str,
    name_en: str = "",
    role: str | None = None,
    parent: Account | None = None,
    reconcile: bool = False,
    active: bool = True,
) -> Account:
    account = Account(
        company=company,
        code=code,
        name=name,
        name_en=name_en,
        type=type,
        role=role,
        parent=parent,
        reconcile=reconcile,
        active=active,
    )
    _account_check(account)
    return _account_save(account)


@transaction.atomic
def account_update(*, account: Account, **changes) -> Account:
    """Change any of ACCOUNT_FIELDS; the type only while no line uses the account."""
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    account = lock_one(Account, account.pk, label="account")
    if "type" in changes and changes["type"] != account.type:
        if EntryLine.objects.filter(account=account).exists():
            raise InUse(
                f"{account.code} has entry lines; its type cannot change",
                field="type",
            )
        if account.children.exists():
            raise ValidationFailed(
                f"{account.code} has sub-accounts of its type",
                code="account.parent_invalid",
                field="type",
            )
    for field, value in changes.items():
        if value is not UNSET:
            setattr(account, field, value)
    _account_check(account)
    return _account_save(account)


@transaction.atomic
def account_delete(*, account: Account) -> None:
    """Refused once a line, a sub-account or a journal uses the account: archive it instead."""
    account = lock_one(Account, account.pk, label="account")
    if EntryLine.objects.filter(account=account).exists():
        raise InUse(f"{account.code} has entry lines; archive it instead")
    try:
        with transaction.atomic():
            account.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            f"{account.code} is used by sub-accounts or journals; archive it instead"
        ) from None


# -- journals ------------------------------------------------------------------------------


def _journal_check(journal: Journal) -> None:
    journal.code = text(journal.code, field="code", max_length=10, required=True).upper()
    try:
        journal_code_validator(journal.code)
    except Exception:
        raise ValidationFailed(
            "code: capital letters and digits only", code="journal.code_invalid", field="code"
        ) from None
    journal.name = text(journal.name, field="name", max_length=100, required=True)
    choice(journal.kind, JournalKind, field="kind")
    check_company(journal.company, journal.default_account, field="default_account")
    clash = (
        Journal.objects.filter(company_id=journal.company_id, code=journal.code)
        .exclude(pk=journal.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise Duplicate(
            f"A journal with code {journal.code} exists",
            code="journal.duplicate",
            field="code",
            extra={"existing_id": clash},
        )


@transaction.atomic
def journal_create(
    *,
    company: Company,
    code: str,
    name: str,
    kind: str,
    default_account: Account | None = None,
    active: bool = True,
) -> Journal:
    journal = Journal(
        company=company,
        code=code,
        name=name,
        kind=kind,
        default_account=default_account,
        active=active,
    )
    _journal_check(journal)
    journal.save()
    return journal


@transaction.atomic
def journal_update(*, journal: Journal, **changes) -> Journal:
    """The code names the journal's number sequence: it is fixed once entries exist."""
    unknown = set(changes) - set(JOURNAL_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    journal = lock_one(Journal, journal.pk, label="journal")
    new_code = changes.get("code")
    if (
        new_code is not None
        and str(new_code).strip().upper() != journal.code
        and journal.entries.exists()
    ):
        raise InUse(
            f"Journal {journal.code} has entries; its code cannot change",
            code="journal.in_use",
            field="code",
        )
    for field, value in changes.items():
        if value is not UNSET:
            setattr(journal, field, value)
    _journal_check(journal)
    journal.save()
    return journal


@transaction.atomic
def journal_delete(*, journal: Journal) -> None:
    journal = lock_one(Journal, journal.pk, label="journal")
    if journal.entries.exists():
        raise InUse(
            f"Journal {journal.code} has entries; archive it instead", code="journal.in_use"
        )
    journal.delete()
