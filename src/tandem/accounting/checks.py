"""Ledger invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q

from tandem.core.integrity import register
from tandem.core.models import SequenceNumber

from .expressions import MoneySum
from .models import Account, Entry, EntryLine, EntryState, Journal

_CENT = Decimal("0.01")


@register("accounting: every posted entry balances")
def posted_entries_balance():
    rows = (
        EntryLine.objects.filter(entry__state=EntryState.POSTED)
        .values("entry_id", "entry__number", "entry__company__code")
        .annotate(debit=MoneySum("debit"), credit=MoneySum("credit"))
        .exclude(debit=F("credit"))  # HAVING: only the breaches leave the database
        .order_by("entry_id")
    )
    for row in rows:
        debit, credit = row["debit"].quantize(_CENT), row["credit"].quantize(_CENT)
        yield (
            f"{row['entry__company__code']} entry {row['entry__number']}: "
            f"debit {debit} != credit {credit}"
        )
    empty = Entry.objects.filter(state=EntryState.POSTED).exclude(
        Exists(EntryLine.objects.filter(entry=OuterRef("pk")))
    )
    for code, number in empty.values_list("company__code", "number"):
        yield f"{code} entry {number}: posted without lines"


@register("accounting: line state and date follow their entry")
def lines_follow_entry():
    posted_mismatch = EntryLine.objects.filter(
        Q(posted=True, entry__state=EntryState.DRAFT)
        | Q(posted=False, entry__state=EntryState.POSTED)
    )
    for pk, number, posted in posted_mismatch.values_list("pk", "entry__number", "posted").order_by(
        "pk"
    ):
        state = "posted" if posted else "unposted"
        yield f"entry line {pk}: {state} in entry {number or '(draft)'}"
    for pk, number in (
        EntryLine.objects.exclude(date=F("entry__date"))
        .values_list("pk", "entry__number")
        .order_by("pk")
    ):
        yield f"entry line {pk}: date differs from its entry {number or '(draft)'}"


@register("accounting: posted entries lie in their open-at-posting period")
def entries_in_period():
    posted = Entry.objects.filter(state=EntryState.POSTED)
    outside = posted.filter(
        Q(period__isnull=True)
        | Q(date__lt=F("period__date_start"))
        | Q(date__gt=F("period__date_end"))
        | ~Q(period__company=F("company"))
    )
    for code, number in outside.values_list("company__code", "number"):
        yield f"{code} entry {number}: dated outside its period"
    late = posted.filter(period__closed_at__isnull=False, posted_at__gt=F("period__closed_at"))
    for code, number, period_start in late.values_list(
        "company__code", "number", "period__date_start"
    ):
        yield f"{code} entry {number}: posted after period {period_start:%Y-%m} was closed"


@register("accounting: rows reference rows of their own company")
def same_company():
    pairs = [
        (EntryLine, "entry"),
        (EntryLine, "account"),
        (EntryLine, "party"),
        (Entry, "journal"),
        (Entry, "reversal_of"),
        (Account, "parent"),
        (Journal, "default_account"),
    ]
    for model, field in pairs:
        bad = (
            model.objects.filter(**{f"{field}__isnull": False})
            .exclude(**{f"{field}__company": F("company")})
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        for pk in bad:
            yield f"{model._meta.label} {pk}: {field} belongs to another company"


@register("accounting: journal numbers are issued once and used once")
def journal_numbers():
    issued = SequenceNumber.objects.filter(sequence__code__startswith="journal:")
    unused = issued.exclude(
        Exists(
            Entry.objects.filter(
                company=OuterRef("company"), number=OuterRef("value"), state=EntryState.POSTED
            )
        )
    )
    for code, value in unused.values_list("company__code", "value"):
        yield f"{code} number {value}: issued but no posted entry carries it"
    unissued = Entry.objects.filter(state=EntryState.POSTED).exclude(
        Exists(issued.filter(company=OuterRef("company"), value=OuterRef("number")))
    )
    for code, number in unissued.values_list("company__code", "number"):
        yield f"{code} entry {number}: number not issued by its journal sequence"
    duplicated = issued.values("company__code", "value").annotate(n=Count("id")).filter(n__gt=1)
    for row in duplicated:
        yield f"{row['company__code']} number {row['value']}: issued {row['n']} times"
