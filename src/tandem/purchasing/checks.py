"""Purchasing invariants for `tandem check-integrity`."""

from decimal import Decimal

from tandem.accounting.expressions import MoneySum
from tandem.accounting.models import EntryLine
from tandem.core.integrity import register

from .models import PriceDifference

CENT = Decimal("0.01")


@register("purchasing: recorded price differences equal what their entries took out of GRNI")
def price_differences_match_entries():
    recorded = dict(
        PriceDifference.objects.order_by()
        .values("entry")
        .annotate(t=MoneySum("amount"))
        .values_list("entry", "t")
    )
    if not recorded:
        return
    booked = dict(
        EntryLine.objects.filter(entry__in=list(recorded), posted=True, account__role="grni")
        .order_by()
        .values("entry")
        .annotate(t=MoneySum("credit") - MoneySum("debit"))
        .values_list("entry", "t")
    )
    for entry_id in sorted(recorded):
        want = Decimal(recorded[entry_id] or 0).quantize(CENT)
        got = Decimal(booked.get(entry_id) or 0).quantize(CENT)
        if want != got:
            yield f"entry {entry_id}: price differences {want} but GRNI moved {got}"
