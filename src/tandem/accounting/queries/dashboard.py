"""Ledger figures for the dashboard: revenue per month, cash and stock in the books.

Each is one aggregate over posted entry lines by account role, in the company currency.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import F
from django.db.models.functions import TruncMonth

from ..expressions import MoneySum
from ..models import AccountRole, EntryLine

CENT = Decimal("0.01")


def _money(value) -> Decimal:
    # SQLite's exact sum comes back as a float of whole hundredths / 100; round it back
    return Decimal(str(value or 0)).quantize(CENT)


def month_starts(today: date, months: int) -> list[date]:
    """The first days of the `months` months ending with today's, oldest first."""
    year, month = today.year, today.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def revenue_by_month(company, *, today: date, months: int = 6) -> list[tuple[date, Decimal]]:
    """Posted revenue (credit less debit on revenue accounts) per month, oldest first."""
    starts = month_starts(today, months)
    rows = (
        EntryLine.objects.filter(
            company=company,
            posted=True,
            account__role=AccountRole.REVENUE,
            date__gte=starts[0],
            date__lte=today,
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(amount=MoneySum(F("credit") - F("debit")))
        .values_list("month", "amount")
    )
    by_month = {}
    for month, amount in rows:
        key = month.date() if hasattr(month, "date") else month
        by_month[key.replace(day=1)] = _money(amount)
    return [(start, by_month.get(start, Decimal("0.00"))) for start in starts]


def role_balances(company, roles: list[str], *, as_of: date) -> dict[str, Decimal]:
    """Debit-less-credit balance per account role at the end of `as_of` (cash, stock...)."""
    rows = (
        EntryLine.objects.filter(
            company=company, posted=True, account__role__in=roles, date__lte=as_of
        )
        .values("account__role")
        .annotate(balance=MoneySum(F("debit") - F("credit")))
        .values_list("account__role", "balance")
    )
    found = {role: _money(balance) for role, balance in rows}
    return {role: found.get(role, Decimal("0.00")) for role in roles}
