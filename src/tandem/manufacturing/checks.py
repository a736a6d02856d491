"""Manufacturing invariants for `tandem check-integrity`: set-based, one line per breach."""

from decimal import Decimal

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine
from tandem.core.integrity import register

from .models import ManufacturingOrder, MoEntry, MoState

CENT = Decimal("0.01")


def _per_order(lines):
    return (
        lines.order_by()
        .values("entry__manufacturing_links__mo")
        .annotate(debit=MoneySum("debit"), credit=MoneySum("credit"))
        .values_list("entry__manufacturing_links__mo", "debit", "credit")
    )


def _numbers(ids) -> dict[int, str]:
    return dict(ManufacturingOrder.objects.filter(pk__in=ids).values_list("pk", "number"))


@register("manufacturing: every done order leaves its WIP at exactly zero")
def done_orders_leave_no_wip():
    lines = EntryLine.objects.filter(
        posted=True,
        account__role="wip",
        entry__manufacturing_links__mo__state=MoState.DONE,
    )
    breaches = [
        (mo_id, Decimal(debit or 0) - Decimal(credit or 0))
        for mo_id, debit, credit in _per_order(lines)
    ]
    breaches = [(mo_id, rest) for mo_id, rest in breaches if rest.quantize(CENT) != 0]
    numbers = _numbers([mo_id for mo_id, _rest in breaches])
    for mo_id, rest in breaches:
        yield f"{numbers.get(mo_id, mo_id)}: done with {rest.quantize(CENT)} left in WIP"


@register("manufacturing: each order's entries are posted and balance")
def order_entries_balance():
    unposted = (
        MoEntry.objects.filter(entry__state__in=["draft"])
        .values_list("mo__number", "entry_id")
        .order_by("mo_id")
    )
    for number, entry_id in unposted:
        yield f"{number}: entry {entry_id} is not posted"
    lines = EntryLine.objects.filter(entry__manufacturing_links__isnull=False)
    rows = [(mo_id, debit, credit) for mo_id, debit, credit in _per_order(lines) if debit != credit]
    numbers = _numbers([mo_id for mo_id, _d, _c in rows])
    for mo_id, debit, credit in rows:
        yield f"{numbers.get(mo_id, mo_id)}: its entries debit {debit} and credit {credit}"
