"""Ledger invariants for `tandem check-integrity`: set-based queries, one line per breach."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from tandem.core.integrity import register
from tandem.core.models import Company, SequenceNumber
from tandem.parties.models import Party

from .expressions import MoneySum
from .models import (
    Account,
    AccountRole,
    Allocation,
    Entry,
    EntryLine,
    EntryState,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Journal,
    Payment,
    PaymentDirection,
    PaymentState,
    PaymentStateOfInvoice,
)

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_SUM = DecimalField(max_digits=20, decimal_places=2)
CREDIT_NOTE_KINDS = (InvoiceKind.CUSTOMER_CREDIT_NOTE, InvoiceKind.VENDOR_CREDIT_NOTE)


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


# -- documents: invoices, payments, allocations ----------------------------------------------


def _cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


def _control_ledger() -> dict[tuple[int, int, str], Decimal]:
    """{(company, party, side): natural balance} of party lines on receivable/payable accounts.

    Lines without a party (opening balances, manual corrections) are not part of any
    party's subledger and are left out.
    """
    rows = (
        EntryLine.objects.filter(
            posted=True,
            party__isnull=False,
            account__role__in=(AccountRole.RECEIVABLE, AccountRole.PAYABLE),
        )
        .values("company_id", "party_id", "account__role")
        .annotate(debit=MoneySum("debit"), credit=MoneySum("credit"))
        .order_by()
    )
    result = {}
    for row in rows:
        balance = _cents(row["debit"]) - _cents(row["credit"])
        side = row["account__role"]
        result[(row["company_id"], row["party_id"], side)] = (
            balance if side == AccountRole.RECEIVABLE else -balance
        )
    return result


def _control_documents() -> dict[tuple[int, int, str], Decimal]:
    """The same balances rebuilt from the open documents (see services/payments.py)."""
    from .services.payments import open_company, side_of_kind

    result: dict[tuple[int, int, str], Decimal] = {}
    invoices = (
        Invoice.objects.filter(state=InvoiceState.POSTED)
        .exclude(residual_company=0)
        .values("company_id", "party_id", "kind")
        .annotate(open=MoneySum("residual_company"))
        .order_by()
    )
    for row in invoices:
        key = (row["company_id"], row["party_id"], side_of_kind(row["kind"]))
        sign = -1 if row["kind"] in CREDIT_NOTE_KINDS else 1
        result[key] = result.get(key, _ZERO) + sign * _cents(row["open"])
    # Few rows: posted payments with something still open. The company value of the open
    # part is a rounding of unallocated × rate, done in Python where it is exact.
    payments = (
        Payment.objects.filter(state=PaymentState.POSTED, unallocated_amount__gt=0)
        .annotate(
            on_receivable=Exists(
                EntryLine.objects.filter(
                    entry_id=OuterRef("entry_id"), account__role=AccountRole.RECEIVABLE
                )
            )
        )
        .values_list(
            "company_id",
            "party_id",
            "direction",
            "currency_id",
            "company__currency_id",
            "unallocated_amount",
            "rate",
            "on_receivable",
        )
    )
    for company_id, party_id, direction, code, own, unallocated, rate, on_receivable in payments:
        side = AccountRole.RECEIVABLE if on_receivable else AccountRole.PAYABLE
        value = open_company(Decimal(str(unallocated)), Decimal(str(rate)), code, own)
        # money in lowers what a customer owes; money out lowers what we owe a supplier
        lowers = (direction == PaymentDirection.IN) == (side == AccountRole.RECEIVABLE)
        key = (company_id, party_id, side)
        result[key] = result.get(key, _ZERO) + (-value if lowers else value)
    return result


@register("accounting: receivable and payable balances equal each party's open documents")
def control_accounts():
    ledger, documents = _control_ledger(), _control_documents()
    keys = sorted(k for k in set(ledger) | set(documents) if ledger.get(k) != documents.get(k))
    if not keys:
        return
    names = dict(Party.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "name"))
    codes = dict(Company.objects.values_list("pk", "code"))
    for company_id, party_id, side in keys:
        booked = ledger.get((company_id, party_id, side), _ZERO)
        open_docs = documents.get((company_id, party_id, side), _ZERO)
        if booked == open_docs:
            continue
        yield (
            f"{codes.get(company_id)} {side} of {names.get(party_id, party_id)} "
            f"(party {party_id}): ledger {booked} != open documents {open_docs}"
        )


@register("accounting: posted invoices and payments carry posted entries")
def documents_have_entries():
    for model, label in ((Invoice, "invoice"), (Payment, "payment")):
        done = model.objects.exclude(state="draft")
        missing = done.filter(Q(entry__isnull=True) | ~Q(entry__state=EntryState.POSTED))
        for code, number in missing.values_list("company__code", "number").order_by("pk"):
            yield f"{code} {label} {number}: no posted journal entry"
        unreversed = done.filter(state="cancelled").filter(
            Q(cancel_entry__isnull=True) | ~Q(cancel_entry__state=EntryState.POSTED)
        )
        for code, number in unreversed.values_list("company__code", "number").order_by("pk"):
            yield f"{code} {label} {number}: cancelled without a posted reversal"
        # "as of" reports read cancelled_on instead of joining the reversal entry
        misdated = done.exclude(
            Q(cancel_entry__isnull=True, cancelled_on__isnull=True)
            | Q(cancel_entry__isnull=False, cancelled_on=F("cancel_entry__date"))
        )
        for code, number in misdated.values_list("company__code", "number").order_by("pk"):
            yield f"{code} {label} {number}: cancelled_on differs from its reversal's date"
        drafts = model.objects.filter(state="draft", entry__isnull=False)
        for code, pk in drafts.values_list("company__code", "pk").order_by("pk"):
            yield f"{code} draft {label} {pk}: has a journal entry"


@register("accounting: residuals, payment states and allocations agree")
def residuals_consistent():
    in_force = Q(payment__isnull=True) | Q(payment__state=PaymentState.POSTED)
    settled = Coalesce(
        Subquery(
            Allocation.objects.filter(in_force, invoice_id=OuterRef("pk"))
            .values("invoice_id")
            .annotate(total=Sum("amount"))
            .values("total")[:1]
        ),
        Value(_ZERO),
        output_field=_SUM,
    )
    settling = Coalesce(
        Subquery(
            Allocation.objects.filter(credit_note_id=OuterRef("pk"))
            .values("credit_note_id")
            .annotate(total=Sum("amount"))
            .values("total")[:1]
        ),
        Value(_ZERO),
        output_field=_SUM,
    )
    posted = Invoice.objects.filter(state=InvoiceState.POSTED)
    rows = posted.annotate(settled=settled, settling=settling).values_list(
        "company__code",
        "number",
        "total_amount",
        "residual_amount",
        "total_company",
        "residual_company",
        "payment_state",
        "settled",
        "settling",
    )
    for code, number, total, residual, total_co, residual_co, state, s1, s2 in rows.order_by("pk"):
        total, residual = _cents(total), _cents(residual)
        if not 0 <= residual <= total:
            yield f"{code} invoice {number}: residual {residual} outside [0, {total}]"
        if not 0 <= _cents(residual_co) <= _cents(total_co):
            yield (
                f"{code} invoice {number}: residual in company currency {_cents(residual_co)} "
                f"outside [0, {_cents(total_co)}]"
            )
        if (residual == 0) != (_cents(residual_co) == 0):
            yield f"{code} invoice {number}: settled in one currency and not in the other"
        expected = (
            PaymentStateOfInvoice.PAID
            if residual == 0
            else PaymentStateOfInvoice.NOT_PAID
            if residual == total
            else PaymentStateOfInvoice.PARTIAL
        )
        if state != expected:
            yield f"{code} invoice {number}: payment state {state}, residual says {expected}"
        allocated = _cents(s1) + _cents(s2)
        if total - allocated != residual:
            yield (
                f"{code} invoice {number}: residual {residual} != total {total} "
                f"- allocated {allocated}"
            )
    used = Coalesce(
        Subquery(
            Allocation.objects.filter(payment_id=OuterRef("pk"))
            .values("payment_id")
            .annotate(total=Sum("amount"))
            .values("total")[:1]
        ),
        Value(_ZERO),
        output_field=_SUM,
    )
    payments = Payment.objects.filter(state=PaymentState.POSTED).annotate(used=used)
    for code, number, total, unallocated, allocated in payments.values_list(
        "company__code", "number", "amount", "unallocated_amount", "used"
    ).order_by("pk"):
        if _cents(total) - _cents(allocated) != _cents(unallocated):
            yield (
                f"{code} payment {number}: unallocated {_cents(unallocated)} != amount "
                f"{_cents(total)} - allocated {_cents(allocated)}"
            )
    stray = Allocation.objects.filter(
        Q(payment__state=PaymentState.CANCELLED)
        | ~Q(invoice__state=InvoiceState.POSTED)
        | (Q(credit_note__isnull=False) & ~Q(credit_note__state=InvoiceState.POSTED))
    ).exclude(payment__state=PaymentState.DRAFT)
    for pk, code in stray.values_list("pk", "company__code").order_by("pk"):
        yield f"{code} allocation {pk}: to or from a document that is not posted"
    strangers = Allocation.objects.filter(
        (Q(payment__isnull=False) & ~Q(payment__party=F("invoice__party")))
        | (Q(credit_note__isnull=False) & ~Q(credit_note__party=F("invoice__party")))
    )
    for pk, code in strangers.values_list("pk", "company__code").order_by("pk"):
        yield f"{code} allocation {pk}: matches documents of different parties"
