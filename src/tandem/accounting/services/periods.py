"""Closing and reopening periods; the year-end close that moves the result to equity.

Closing a period is refused while draft entries are dated in it (409 `period.has_drafts`):
a draft there could never be posted, so the accountant decides first (post, redate or
delete it). Reopening is allowed while the fiscal year is open.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tandem.core import events
from tandem.core.errors import Conflict, InvalidTransition, ValidationFailed

from ..expressions import MoneySum
from ..models import (
    FISCAL_YEAR_TRANSITIONS,
    PERIOD_TRANSITIONS,
    Account,
    AccountRole,
    AccountType,
    Entry,
    EntryLine,
    EntryState,
    FiscalYear,
    FiscalYearState,
    Journal,
    JournalKind,
    Period,
    PeriodState,
)
from ._common import account_for_role, lock, lock_one
from .entries import _build_lines, _insert_lines, _post_locked


def _user(user):
    return user if getattr(user, "pk", None) else None


def _drafts_between(company, date_start, date_end) -> int:
    return Entry.objects.filter(
        company=company, state=EntryState.DRAFT, date__gte=date_start, date__lte=date_end
    ).count()


@transaction.atomic
def period_close(*, period: Period, user=None) -> Period:
    locked = lock_one(Period, period.pk, label="period")
    if PeriodState.CLOSED not in PERIOD_TRANSITIONS[PeriodState(locked.state)]:
        raise InvalidTransition(f"The period {locked} is already closed", code="period.closed")
    drafts = _drafts_between(locked.company, locked.date_start, locked.date_end)
    if drafts:
        raise Conflict(
            f"{drafts} draft entries are dated in {locked}: post, redate or delete them first",
            code="period.has_drafts",
            extra={"drafts": drafts},
        )
    locked.state = PeriodState.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = _user(user)
    locked.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    events.publish("period.closed", period_id=locked.pk, company_id=locked.company_id)
    return locked


@transaction.atomic
def period_reopen(*, period: Period, user=None) -> Period:
    locked = lock_one(Period, period.pk, label="period")
    if PeriodState.OPEN not in PERIOD_TRANSITIONS[PeriodState(locked.state)]:
        raise InvalidTransition(f"The period {locked} is open", code="period.open")
    if locked.fiscal_year.state == FiscalYearState.CLOSED:
        raise InvalidTransition(
            f"The fiscal year {locked.fiscal_year} is closed", code="fiscal_year.closed"
        )
    locked.state = PeriodState.OPEN
    locked.closed_at = None
    locked.closed_by = None
    locked.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    events.publish("period.reopened", period_id=locked.pk, company_id=locked.company_id)
    return locked


def _closing_journal(company, journal: Journal | None) -> Journal:
    if journal is not None:
        return journal
    found = (
        Journal.objects.filter(company=company, kind=JournalKind.GENERAL, active=True)
        .order_by("code")
        .first()
    )
    if found is None:
        raise ValidationFailed(
            "The company has no active general journal for the closing entry",
            code="journal.missing",
            field="journal",
        )
    return found


@transaction.atomic
def year_end_close(
    *, fiscal_year: FiscalYear, user=None, journal: Journal | None = None
) -> FiscalYear:
    """Post the closing entry, then close every period and the year.

    The closing entry (dated the last day, flagged `closing`) brings every income and
    expense account, and the current-year earnings account, to zero for the year and
    puts the net result on the retained earnings account. The last period must be open;
    earlier years must be closed; no draft may remain in the year.
    """
    year = lock_one(FiscalYear, fiscal_year.pk, label="fiscal_year")
    if FiscalYearState.CLOSED not in FISCAL_YEAR_TRANSITIONS[FiscalYearState(year.state)]:
        raise InvalidTransition(f"The fiscal year {year} is closed", code="fiscal_year.closed")
    company = year.company
    earlier = (
        FiscalYear.objects.filter(
            company=company, date_start__lt=year.date_start, state=FiscalYearState.OPEN
        )
        .values_list("name", flat=True)
        .first()
    )
    if earlier:
        raise Conflict(f"Close the fiscal year {earlier} first", code="fiscal_year.previous_open")
    # Every period of the year, locked: no posting can slip in between the sums and the close.
    periods = lock(Period, Period.objects.filter(fiscal_year=year).values_list("pk", flat=True))
    drafts = _drafts_between(company, year.date_start, year.date_end)
    if drafts:
        raise Conflict(
            f"{drafts} draft entries are dated in {year}: post, redate or delete them first",
            code="period.has_drafts",
            extra={"drafts": drafts},
        )
    retained = account_for_role(company, AccountRole.RETAINED_EARNINGS)
    closing_journal = _closing_journal(company, journal)
    balances = list(
        EntryLine.objects.filter(
            company=company,
            posted=True,
            date__gte=year.date_start,
            date__lte=year.date_end,
        )
        .filter(
            Q(account__type__in=[AccountType.INCOME, AccountType.EXPENSE])
            | Q(account__role=AccountRole.CURRENT_YEAR_EARNINGS)
        )
        .values("account_id")
        .annotate(balance=MoneySum("debit") - MoneySum("credit"))
        .order_by("account__code")
        .values_list("account_id", "balance")
    )
    lines, net = [], Decimal("0.00")
    accounts = Account.objects.in_bulk([account_id for account_id, _ in balances])
    for account_id, balance in balances:
        balance = (balance or Decimal(0)).quantize(Decimal("0.01"))
        if not balance:
            continue
        net += balance
        lines.append(
            {
                "account": accounts[account_id],
                "debit": -balance if balance < 0 else 0,
                "credit": balance if balance > 0 else 0,
            }
        )
    if lines:
        if net:
            lines.append(
                {
                    "account": retained,
                    "debit": net if net > 0 else 0,
                    "credit": -net if net < 0 else 0,
                }
            )
        entry = Entry(
            company=company,
            journal=closing_journal,
            date=year.date_end,
            period=Period.objects.filter(
                fiscal_year=year, date_start__lte=year.date_end, date_end__gte=year.date_end
            ).first(),
            reference=f"Year-end closing {year.name}"[:100],
            closing=True,
            created_by=_user(user),
        )
        entry.save()
        _insert_lines(entry, _build_lines(company, year.date_end, lines, check_active=False))
        _post_locked(lock(Entry, [entry.pk])[entry.pk], user=user, check_active=False)
    now = timezone.now()
    for period in periods.values():
        if period.state == PeriodState.OPEN:
            period.state = PeriodState.CLOSED
            period.closed_at = now
            period.closed_by = _user(user)
            period.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    year.state = FiscalYearState.CLOSED
    year.closed_at = now
    year.closed_by = _user(user)
    year.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    events.publish("fiscal_year.closed", fiscal_year_id=year.pk, company_id=company.pk)
    return year
