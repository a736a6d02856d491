"""An order's costs in the ledger: its WIP balance and the entries it posts itself.

Components and outputs post through inventory (`complete_moves`: Dr WIP / Cr inventory and
the reverse); work time, variances and the completion post here. Every entry is linked to
its order (`MoEntry`), so the order's WIP is the sum of those entries' WIP lines.
"""

from __future__ import annotations

from decimal import Decimal

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine
from tandem.accounting.services import account_for_role, company_today, entry_create_posted
from tandem.inventory.services.valuation import _stock_journal

from ..models import ManufacturingOrder, MoEntry
from ._common import ZERO


def link(mo: ManufacturingOrder, entry, kind: str) -> None:
    if entry is not None:
        MoEntry.objects.create(company_id=mo.company_id, mo=mo, entry=entry, kind=kind)


def wip_balance(mo: ManufacturingOrder) -> Decimal:
    """Debit minus credit of the order's entries on WIP accounts."""
    totals = EntryLine.objects.filter(
        entry__in=MoEntry.objects.filter(mo=mo).values("entry"),
        account__role="wip",
        posted=True,
    ).aggregate(debit=MoneySum("debit"), credit=MoneySum("credit"))
    return (totals["debit"] or ZERO) - (totals["credit"] or ZERO)


def post_against_wip(
    mo: ManufacturingOrder, *, role: str, amounts: list[tuple[Decimal, str]], kind: str, user
):
    """One entry: WIP debited by each positive amount (credited by each negative one)
    against the account of `role`; returns the entry, or None when every amount is 0."""
    amounts = [(amount, label) for amount, label in amounts if amount]
    if not amounts:
        return None
    company = mo.company
    wip = account_for_role(company, "wip", field="account")
    other = account_for_role(company, role, field="account")
    lines = []
    for amount, label in amounts:
        description = f"{mo.number} {label}"[:200]
        side, other_side = ("debit", "credit") if amount > 0 else ("credit", "debit")
        lines.append({"account": wip, side: abs(amount), "description": description})
        lines.append({"account": other, other_side: abs(amount), "description": description})
    entry = entry_create_posted(
        company=company,
        journal=_stock_journal(company),
        date=company_today(company),
        lines=lines,
        reference=mo.number[:100],
        narration=f"{mo.number} {kind}",
        user=user,
    )
    link(mo, entry, kind)
    return entry
