"""Journal entries: drafts, posting, reversal. The only code that writes entries and lines."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from datetime import date

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency
from tandem.core.money import minor_unit
from tandem.core.services import sequence_next
from tandem.parties.models import Party

from ..errors import (
    EntryPosted,
    InvalidReference,
    InvalidTransition,
    PeriodClosed,
    PeriodMissing,
    Unbalanced,
)
from ..expressions import MoneySum
from ..models import (
    ENTRY_TRANSITIONS,
    ZERO,
    Account,
    Entry,
    EntryLine,
    EntryState,
    Journal,
    Period,
    PeriodState,
)
from ._common import UNSET, amount, check_company, lock, lock_one, text

LINE_FIELDS = ("account", "party", "description", "debit", "credit", "currency", "amount_currency")
MAX_LINES = 5000


def _transition(entry: Entry, to: str) -> None:
    """Check a move of the *locked* entry against ENTRY_TRANSITIONS."""
    if to not in ENTRY_TRANSITIONS[EntryState(entry.state)]:
        if entry.state == EntryState.POSTED:
            raise EntryPosted(f"Entry {entry.number} is posted; post a reversal instead")
        raise InvalidTransition(f"Not allowed from {entry.state}", code="entry.invalid_transition")


def _require_draft(entry: Entry) -> None:
    if entry.state != EntryState.DRAFT:
        raise EntryPosted(f"Entry {entry.number} is posted; post a reversal instead")


def period_for(company: Company, on_date: date) -> Period | None:
    return Period.objects.filter(
        company=company, date_start__lte=on_date, date_end__gte=on_date
    ).first()


def _draft_period(company: Company, on_date: date) -> Period | None:
    """Drafts may wait for a fiscal year that does not exist yet, never sit in a closed one."""
    period = period_for(company, on_date)
    if period is not None and period.state == PeriodState.CLOSED:
        raise PeriodClosed(f"The period {period} is closed", field="date")
    return period


def _journal_check(company: Company, journal: Journal) -> None:
    if not isinstance(journal, Journal):
        raise ValidationFailed("journal is required", code="validation.required", field="journal")
    check_company(company, journal, field="journal")
    if not journal.active:
        raise ValidationFailed(
            f"Journal {journal.code} is archived", code="journal.inactive", field="journal"
        )


def _currencies(codes: set[str]) -> dict[str, Currency]:
    found = {c.code: c for c in Currency.objects.filter(code__in=codes)}
    for code in codes:
        if code not in found:
            raise ValidationFailed(
                f"Unknown currency {code}", code="currency.unknown", field="currency"
            )
        if minor_unit(code) > 2:
            raise ValidationFailed(
                f"{code} has {minor_unit(code)} decimal places; the ledger keeps two",
                code="currency.unsupported",
                field="currency",
            )
    return found


def _build_lines(
    company: Company,
    on_date: date,
    lines: Iterable[Mapping],
    *,
    check_active: bool = True,
) -> list[EntryLine]:
    """Validate input lines into unsaved EntryLines (the entry is set by the caller)."""
    lines = list(lines)
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    own = company.currency_id
    codes = {own}
    for line in lines:
        code = line.get("currency")
        code = getattr(code, "code", code)
        if code:
            codes.add(str(code).strip().upper())
    currencies = _currencies(codes)
    # Company and state as stored now, not as the caller's instances remember them.
    account_ids = {getattr(line.get("account"), "pk", None) for line in lines}
    stored = Account.objects.filter(pk__in=account_ids - {None}).values_list(
        "pk", "company_id", "active"
    )
    stored_accounts, active_accounts = {}, set()
    for pk, company_id, active in stored:
        stored_accounts[pk] = company_id
        if active:
            active_accounts.add(pk)
    party_ids = {getattr(line.get("party"), "pk", None) for line in lines} - {None}
    stored_parties = (
        dict(Party.objects.filter(pk__in=party_ids).values_list("pk", "company_id"))
        if party_ids
        else {}
    )
    built = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        unknown = set(line) - set(LINE_FIELDS)
        if unknown:
            raise ValidationFailed(
                f"{where}: unknown fields {', '.join(sorted(unknown))}", field=where
            )
        account = line.get("account")
        if not isinstance(account, Account):
            raise ValidationFailed(
                f"{where}.account is required", code="validation.required", field=f"{where}.account"
            )
        if stored_accounts.get(account.pk) != company.pk:
            raise InvalidReference(
                f"{where}.account: no such record in this company", field=f"{where}.account"
            )
        if check_active and account.pk not in active_accounts:
            raise ValidationFailed(
                f"Account {account.code} is archived",
                code="account.inactive",
                field=f"{where}.account",
            )
        party = line.get("party")
        if party is not None and stored_parties.get(getattr(party, "pk", None)) != company.pk:
            raise InvalidReference(
                f"{where}.party: no such record in this company", field=f"{where}.party"
            )
        debit = amount(line.get("debit"), field=f"{where}.debit", currency=own)
        credit = amount(line.get("credit"), field=f"{where}.credit", currency=own)
        if debit and credit:
            raise ValidationFailed(
                f"{where}: a line is either a debit or a credit",
                code="entry.line_both_sides",
                field=f"{where}.credit",
            )
        if not debit and not credit:
            raise ValidationFailed(
                f"{where}: enter a debit or a credit amount",
                code="entry.line_zero",
                field=f"{where}.debit",
            )
        code = line.get("currency")
        code = str(getattr(code, "code", code) or own).strip().upper()
        given = line.get("amount_currency")
        if code == own:
            if given is not None and given != "":
                value = amount(given, field=f"{where}.amount_currency", currency=own, signed=True)
                if value != debit - credit:
                    raise ValidationFailed(
                        f"{where}: in the company currency the amount is debit minus credit",
                        code="ledger.amount_currency_mismatch",
                        field=f"{where}.amount_currency",
                    )
            amount_currency = debit - credit
        else:
            if given is None or given == "":
                raise ValidationFailed(
                    f"{where}: a line in {code} needs its amount in {code}",
                    code="ledger.amount_currency_missing",
                    field=f"{where}.amount_currency",
                )
            amount_currency = amount(
                given, field=f"{where}.amount_currency", currency=code, signed=True
            )
            if (debit and amount_currency < 0) or (credit and amount_currency > 0):
                raise ValidationFailed(
                    f"{where}: the {code} amount has the sign of its side "
                    "(positive for a debit, negative for a credit)",
                    code="ledger.currency_sign",
                    field=f"{where}.amount_currency",
                )
        built.append(
            EntryLine(
                company=company,
                account=account,
                party=party,
                description=text(
                    line.get("description"), field=f"{where}.description", max_length=200
                ),
                debit=debit,
                credit=credit,
                currency=currencies[code],
                amount_currency=amount_currency,
                date=on_date,
            )
        )
    return built


def _insert_lines(entry: Entry, lines: list[EntryLine]) -> None:
    for line in lines:
        line.entry = entry
        line.date = entry.date
    EntryLine.objects.bulk_create(lines)


@transaction.atomic
def entry_create(
    *,
    company: Company,
    journal: Journal,
    date: date,
    lines: Iterable[Mapping] = (),
    reference: str = "",
    narration: str = "",
    user=None,
) -> Entry:
    """A draft entry. Lines are checked one by one here; the balance is checked at posting."""
    if not isinstance(date, datetime.date):
        raise ValidationFailed("date is required", code="validation.required", field="date")
    _journal_check(company, journal)
    built = _build_lines(company, date, lines)
    entry = Entry(
        company=company,
        journal=journal,
        date=date,
        period=_draft_period(company, date),
        reference=text(reference, field="reference", max_length=100),
        narration=text(narration, field="narration", max_length=10_000),
        created_by=user if getattr(user, "pk", None) else None,
    )
    entry.save()
    _insert_lines(entry, built)
    return entry


@transaction.atomic
def entry_update(
    *,
    entry: Entry,
    journal=UNSET,
    date=UNSET,
    reference=UNSET,
    narration=UNSET,
    lines=UNSET,
) -> Entry:
    """Change a draft; `lines`, when given, replace all lines. Posted entries: 409."""
    locked = lock_one(Entry, entry.pk, label="entry")
    _require_draft(locked)
    company = locked.company
    if journal is not UNSET:
        _journal_check(company, journal)
        locked.journal = journal
    if date is not UNSET:
        if not isinstance(date, datetime.date):
            raise ValidationFailed("date is required", code="validation.required", field="date")
        locked.date = date
        locked.period = _draft_period(company, date)
    if reference is not UNSET:
        locked.reference = text(reference, field="reference", max_length=100)
    if narration is not UNSET:
        locked.narration = text(narration, field="narration", max_length=10_000)
    if lines is not UNSET:
        built = _build_lines(company, locked.date, lines)
        EntryLine.objects.filter(entry=locked).delete()
        _insert_lines(locked, built)
    elif date is not UNSET:
        EntryLine.objects.filter(entry=locked).update(date=locked.date)
    locked.save()
    return locked


@transaction.atomic
def entry_delete(*, entry: Entry) -> None:
    locked = lock_one(Entry, entry.pk, label="entry")
    _require_draft(locked)
    EntryLine.objects.filter(entry=locked).delete()
    locked.delete()


def _check_balance(company: Company, count, debit, credit, per_currency: dict) -> None:
    """The posting rules on an entry's sums: lines exist, debits equal credits, and lines all
    in one foreign currency also balance in that currency."""
    if not count:
        raise ValidationFailed("An entry needs lines to be posted", code="entry.empty")
    debit = (debit or ZERO).quantize(ZERO)
    credit = (credit or ZERO).quantize(ZERO)
    if debit != credit:
        raise Unbalanced(
            f"Debits {debit} and credits {credit} differ by {abs(debit - credit)}",
            extra={"debit": str(debit), "credit": str(credit)},
        )
    if len(per_currency) == 1:
        ((code, total),) = per_currency.items()
        total = (total or ZERO).quantize(ZERO)
        if code != company.currency_id and total:
            raise Unbalanced(
                f"All lines are in {code} and those amounts differ by {abs(total)}",
                code="ledger.unbalanced_currency",
            )


def _open_period_locked(company: Company, on_date: date) -> Period:
    # locked: a close of the period waits for this posting (one row, so no lock order)
    period = (
        Period.objects.select_for_update()
        .filter(company=company, date_start__lte=on_date, date_end__gte=on_date)
        .first()
    )
    if period is None:
        raise PeriodMissing(
            f"No fiscal period covers {on_date}: create the fiscal year first", field="date"
        )
    if period.state != PeriodState.OPEN:
        raise PeriodClosed(f"The period {period} is closed", field="date")
    return period


def _journal_number(company: Company, journal: Journal, on_date: date) -> str:
    return sequence_next(
        company=company,
        code=f"journal:{journal.code}",
        on_date=on_date,
        prefix=f"{journal.code}/{{year}}/",
    )


def _post_locked(entry: Entry, *, user=None, check_active: bool = True) -> Entry:
    """Post an entry the caller has locked: balance, period, number, then the state."""
    _transition(entry, EntryState.POSTED)
    company = entry.company
    lines = EntryLine.objects.filter(entry=entry)
    totals = lines.aggregate(n=Count("id"), debit=MoneySum("debit"), credit=MoneySum("credit"))
    sums = lines.values("currency_id").annotate(total=MoneySum("amount_currency")).order_by()
    per_currency = {row["currency_id"]: row["total"] for row in sums}
    _check_balance(company, totals["n"], totals["debit"], totals["credit"], per_currency)
    if check_active:
        archived = (
            lines.filter(account__active=False).values_list("account__code", flat=True).first()
        )
        if archived:
            raise ValidationFailed(
                f"Account {archived} is archived", code="account.inactive", field="lines"
            )
    stray = lines.exclude(account__company=company).exists() or (
        lines.filter(party__isnull=False).exclude(party__company=company).exists()
    )
    if stray:
        raise ValidationFailed(
            "A line refers to another company's record", code="reference.invalid", field="lines"
        )
    period = _open_period_locked(company, entry.date)
    journal = entry.journal
    number = _journal_number(company, journal, entry.date)
    now = timezone.now()
    # Lines first, while the entry is still a draft (the guards refuse it the other way).
    lines.update(posted=True, date=entry.date, updated_at=now)
    Entry.objects.filter(pk=entry.pk, state=EntryState.DRAFT).update(
        state=EntryState.POSTED,
        number=number,
        period=period,
        posted_at=now,
        posted_by=user if getattr(user, "pk", None) else None,
        updated_at=now,
    )
    entry.refresh_from_db()
    events.publish(
        "entry.posted",
        entry_id=entry.pk,
        company_id=company.pk,
        number=number,
        journal=journal.code,
    )
    return entry


@transaction.atomic
def entry_post(*, entry: Entry, user=None) -> Entry:
    """Post a balanced draft into its open period; the number is allocated here, gapless."""
    locked = lock_one(Entry, entry.pk, label="entry")
    return _post_locked(locked, user=user)


@transaction.atomic
def entry_create_posted(
    *,
    company: Company,
    journal: Journal,
    date: date,
    lines: Iterable[Mapping] = (),
    reference: str = "",
    narration: str = "",
    user=None,
) -> Entry:
    """Create and post in one step, for entries other documents generate (invoices, payments,
    stock moves): the same rules as `entry_create` then `entry_post`, checked on the lines in
    hand instead of read back, so posting costs a few statements instead of a few dozen."""
    if not isinstance(date, datetime.date):
        raise ValidationFailed("date is required", code="validation.required", field="date")
    _journal_check(company, journal)
    built = _build_lines(company, date, lines)
    per_currency: dict[str, object] = {}
    for line in built:
        code = line.currency_id
        per_currency[code] = per_currency.get(code, ZERO) + line.amount_currency
    _check_balance(
        company,
        len(built),
        sum((line.debit for line in built), ZERO),
        sum((line.credit for line in built), ZERO),
        per_currency,
    )
    period = _open_period_locked(company, date)
    number = _journal_number(company, journal, date)
    now = timezone.now()
    posted_by = user if getattr(user, "pk", None) else None
    entry = Entry(
        company=company,
        journal=journal,
        date=date,
        period=period,
        reference=text(reference, field="reference", max_length=100),
        narration=text(narration, field="narration", max_length=10_000),
        created_by=posted_by,
    )
    entry.save()
    # Lines go in while the entry is still a draft (the guards refuse lines of posted entries).
    for line in built:
        line.posted = True
    _insert_lines(entry, built)
    Entry.objects.filter(pk=entry.pk, state=EntryState.DRAFT).update(
        state=EntryState.POSTED,
        number=number,
        posted_at=now,
        posted_by=posted_by,
        updated_at=now,
    )
    entry.state, entry.number, entry.posted_at, entry.posted_by = (
        EntryState.POSTED,
        number,
        now,
        posted_by,
    )
    events.publish(
        "entry.posted",
        entry_id=entry.pk,
        company_id=company.pk,
        number=number,
        journal=journal.code,
    )
    return entry


def _first_open_date(company: Company, after: date) -> date:
    period = period_for(company, after)
    if period is not None and period.state == PeriodState.OPEN:
        return after
    later = (
        Period.objects.filter(company=company, state=PeriodState.OPEN, date_start__gt=after)
        .order_by("date_start")
        .first()
    )
    if later is None:
        raise PeriodClosed(
            f"No open period on or after {after} to date the reversal in", field="date"
        )
    return later.date_start


@transaction.atomic
def entry_reverse(*, entry: Entry, date: date | None = None, user=None) -> Entry:
    """Post the mirror entry of a posted one: debits become credits, linked by reversal_of.

    Dated `date`, else the original's date, else the first day of the next open period.
    """
    original = lock_one(Entry, entry.pk, label="entry")
    if original.state != EntryState.POSTED:
        raise InvalidTransition(
            "Only posted entries are reversed; delete or edit the draft instead",
            code="entry.not_posted",
        )
    existing = Entry.objects.filter(reversal_of=original).values_list("number", flat=True)
    if existing.exists():
        raise InvalidTransition(
            f"Entry {original.number} is already reversed by {existing.first() or 'a draft'}",
            code="entry.already_reversed",
        )
    if date is None:
        date = _first_open_date(original.company, original.date)
    elif date < original.date:
        raise ValidationFailed(
            f"A reversal cannot be dated before the entry it reverses ({original.date})",
            code="entry.reversal_date",
            field="date",
        )
    lines = [
        {
            "account": line.account,
            "party": line.party,
            "description": line.description,
            "debit": line.credit,
            "credit": line.debit,
            "currency": line.currency_id,
            "amount_currency": -line.amount_currency,
        }
        for line in original.lines.select_related("account", "party").order_by("id")
    ]
    reversal = Entry(
        company=original.company,
        journal=original.journal,
        date=date,
        period=period_for(original.company, date),
        reference=text(f"Reversal of {original.number}", field="reference", max_length=100),
        narration=original.narration,
        reversal_of=original,
        created_by=user if getattr(user, "pk", None) else None,
    )
    reversal.save()
    _insert_lines(reversal, _build_lines(original.company, date, lines, check_active=False))
    reversal = lock(Entry, [reversal.pk])[reversal.pk]
    _post_locked(reversal, user=user, check_active=False)
    events.publish(
        "entry.reversed",
        entry_id=original.pk,
        reversal_id=reversal.pk,
        company_id=original.company_id,
    )
    return reversal
