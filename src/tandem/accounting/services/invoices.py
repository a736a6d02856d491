"""Invoices, credit notes and vendor bills: drafts, posting to the ledger, cancel, credit.

A draft's figures are recomputed from its lines on every change and again at posting (the
rounding setting may have changed in between). Posting allocates the gapless number and
posts the journal entry in the same transaction, under the invoice's row lock.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from tandem.catalog.models import Product, Uom
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company, Currency
from tandem.core.money import quantize_money, to_decimal
from tandem.core.services import exchange_rate_for, sequence_next
from tandem.parties.models import Party, PaymentTerm

from ..errors import (
    InvalidReference,
    InvoiceEmpty,
    InvoiceHasAllocations,
    InvoiceInvalidTransition,
    InvoiceNegative,
    InvoiceNotDraft,
    RateMissing,
)
from ..models import (
    INVOICE_TRANSITIONS,
    ZERO,
    Account,
    AccountRole,
    Allocation,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    InvoiceTax,
    Journal,
    JournalKind,
    PaymentStateOfInvoice,
    Tax,
    TaxScope,
)
from ._common import UNSET, account_for_role, check_company, choice, company_today, lock_one, text
from ._payment_common import _currency as ledger_currency
from .category_accounts import accounts_for_categories
from .credit_notes import credit_check, credit_left, credit_settle
from .entries import entry_create_posted, entry_reverse
from .invoice_links import keep_origins
from .tax_defaults import default_taxes_for_lines
from .taxes import accounting_settings, taxes_compute

INVOICE_FIELDS = (
    "party",
    "date",
    "lines",
    "currency",
    "journal",
    "payment_term",
    "due_date",
    "reference",
    "origin",
    "narration",
    "language",
)
INVOICE_LINE_FIELDS = (
    "product",
    "description",
    "account",
    "quantity",
    "uom",
    "unit_price",
    "discount",
    "taxes",
    "origin_line",
)
MAX_LINES = 1000
NUMBER_PREFIX = {
    InvoiceKind.CUSTOMER_INVOICE: "INV",
    InvoiceKind.CUSTOMER_CREDIT_NOTE: "RINV",
    InvoiceKind.VENDOR_BILL: "BILL",
    InvoiceKind.VENDOR_CREDIT_NOTE: "RBILL",
}
CREDIT_KIND = {
    InvoiceKind.CUSTOMER_INVOICE: InvoiceKind.CUSTOMER_CREDIT_NOTE,
    InvoiceKind.CUSTOMER_CREDIT_NOTE: InvoiceKind.CUSTOMER_INVOICE,
    InvoiceKind.VENDOR_BILL: InvoiceKind.VENDOR_CREDIT_NOTE,
    InvoiceKind.VENDOR_CREDIT_NOTE: InvoiceKind.VENDOR_BILL,
}
LANGUAGES = ("", "en", "zh-hans")
QTY_UNIT = Decimal("0.0001")
PRICE_UNIT = Decimal("0.000001")


def scope_of(kind: str) -> str:
    return (
        TaxScope.SALE
        if kind in (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.CUSTOMER_CREDIT_NOTE)
        else TaxScope.PURCHASE
    )


def _debits_party(kind: str) -> bool:
    """The receivable/payable line is a debit on a customer invoice and a vendor credit note."""
    return kind in (InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.VENDOR_CREDIT_NOTE)


# -- input checks --------------------------------------------------------------------------


def _number(value, *, field: str, unit: Decimal, minimum=ZERO, maximum=None) -> Decimal:
    if value is None or value == "":
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if minimum is not None and number < minimum:
        raise ValidationFailed(
            f"{field} must be at least {minimum}", code="validation.min_value", field=field
        )
    if (maximum is not None and number > maximum) or abs(number) >= Decimal(10) ** 12:
        raise ValidationFailed(f"{field}: too large", code="validation.max_value", field=field)
    if number != number.quantize(unit):
        raise ValidationFailed(
            f"{field}: at most {-unit.as_tuple().exponent} decimal places",
            code="validation.precision",
            field=field,
        )
    return number.quantize(unit)


def _currency(company: Company, value, party: Party | None) -> Currency:
    if value in (None, ""):
        value = party.currency_id if party is not None else company.currency_id
    return ledger_currency(value)


def _journal(company: Company, kind: str, journal) -> Journal:
    wanted = JournalKind.SALES if scope_of(kind) == TaxScope.SALE else JournalKind.PURCHASE
    if journal is None:
        journal = (
            Journal.objects.filter(company=company, kind=wanted, active=True)
            .order_by("code")
            .first()
        )
        if journal is None:
            raise ValidationFailed(
                f"The company has no active {wanted} journal",
                code="journal.missing",
                field="journal",
            )
        return journal
    if not isinstance(journal, Journal):
        raise ValidationFailed("journal: not a journal", field="journal")
    check_company(company, journal, field="journal")
    if journal.kind != wanted or not journal.active:
        raise ValidationFailed(
            f"journal: an active {wanted} journal is needed", code="journal.kind", field="journal"
        )
    return journal


def _party(company: Company, party) -> Party:
    if not isinstance(party, Party):
        raise ValidationFailed("party is required", code="validation.required", field="party")
    check_company(company, party, field="party")
    return party


def _date(value, *, field: str, required: bool = True):
    if value is None and not required:
        return None
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    return value


def _due_date(on: date, term: PaymentTerm | None, given) -> date:
    if given is not None:
        due = _date(given, field="due_date")
        if due < on:
            raise ValidationFailed(
                "due_date: not before the invoice date", code="invoice.due_date", field="due_date"
            )
        return due
    return on + timedelta(days=term.due_days if term is not None else 0)


def _build_lines(
    company: Company,
    kind: str,
    lines: Iterable[Mapping],
    *,
    allow_archived: bool = False,
    party: Party | None = None,
) -> list[tuple[InvoiceLine, list[Tax]]]:
    """Validate input lines into unsaved InvoiceLines with their taxes (defaults filled)."""
    lines = list(lines)
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    scope = scope_of(kind)
    default_role = AccountRole.REVENUE if scope == TaxScope.SALE else AccountRole.EXPENSE
    default_account = None
    by_category = accounts_for_categories(
        company, {getattr(li.get("product"), "category_id", None) for li in lines}
    )
    # only lines that name no taxes take the defaults (and the party's rule)
    defaults = default_taxes_for_lines(company=company, lines=lines, scope=scope, party=party)
    built = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, Mapping):
            raise ValidationFailed(f"{where}: not a line", field=where)
        unknown = set(line) - set(INVOICE_LINE_FIELDS)
        if unknown:
            raise ValidationFailed(
                f"{where}: unknown fields {', '.join(sorted(unknown))}", field=where
            )
        product = line.get("product")
        if product is not None:
            if not isinstance(product, Product):
                raise ValidationFailed(f"{where}.product: not a product", field=f"{where}.product")
            check_company(company, product, field=f"{where}.product")
        description = text(line.get("description"), field=f"{where}.description", max_length=500)
        if not description:
            if product is None:
                raise ValidationFailed(
                    f"{where}: a line needs a product or a description",
                    code="validation.required",
                    field=f"{where}.description",
                )
            description = product.name[:500]
        account = line.get("account")
        if account is None and product is not None:
            income, expense = by_category.get(product.category_id, (None, None))
            account = income if scope == TaxScope.SALE else expense
            if account is not None and not account.active:
                account = None  # archived since it was mapped: the role default applies
        if account is None:
            if default_account is None:
                default_account = account_for_role(company, default_role, field=f"{where}.account")
            account = default_account
        elif not isinstance(account, Account):
            raise ValidationFailed(f"{where}.account: not an account", field=f"{where}.account")
        else:
            check_company(company, account, field=f"{where}.account")
            if not account.active and not allow_archived:
                raise ValidationFailed(
                    f"Account {account.code} is archived",
                    code="account.inactive",
                    field=f"{where}.account",
                )
        quantity = line.get("quantity")
        quantity = _number(
            Decimal(1) if quantity is None else quantity, field=f"{where}.quantity", unit=QTY_UNIT
        )
        uom = line.get("uom")
        if uom is None and product is not None:
            uom = product.uom if scope == TaxScope.SALE else product.purchase_uom
        elif uom is not None:
            if not isinstance(uom, Uom):
                raise ValidationFailed(f"{where}.uom: not a unit", field=f"{where}.uom")
            check_company(company, uom, field=f"{where}.uom")
        price = line.get("unit_price")
        if price is None:
            if product is not None:
                price = product.list_price if scope == TaxScope.SALE else product.cost_price
            else:
                price = ZERO
        price = _number(price, field=f"{where}.unit_price", unit=PRICE_UNIT)
        discount = line.get("discount")
        discount = _number(
            ZERO if discount is None else discount,
            field=f"{where}.discount",
            unit=Decimal("0.01"),
            maximum=Decimal(100),
        )
        if "taxes" in line and line["taxes"] is not None:
            taxes = list(dict.fromkeys(line["taxes"]))
            for tax in taxes:
                if not isinstance(tax, Tax) or tax.company_id != company.pk:
                    raise InvalidReference(
                        f"{where}.taxes: no such tax in this company", field=f"{where}.taxes"
                    )
                if tax.scope != scope:
                    raise ValidationFailed(
                        f"{where}.taxes: {tax.name} is a {tax.scope} tax",
                        code="tax.scope_mismatch",
                        field=f"{where}.taxes",
                    )
                if not tax.active and not allow_archived:
                    raise ValidationFailed(
                        f"{where}.taxes: {tax.name} is archived",
                        code="tax.inactive",
                        field=f"{where}.taxes",
                    )
        else:
            taxes = list(defaults.get(getattr(product, "pk", None), []))
        built.append(
            (
                InvoiceLine(
                    company=company,
                    sequence=(index + 1) * 10,
                    product=product,
                    description=description,
                    account=account,
                    quantity=quantity,
                    uom=uom,
                    unit_price=price,
                    discount=discount,
                    origin_line=text(
                        line.get("origin_line"), field=f"{where}.origin_line", max_length=64
                    ),
                ),
                taxes,
            )
        )
    return built


def _insert_lines(invoice: Invoice, built: list[tuple[InvoiceLine, list[Tax]]]) -> None:
    for line, _taxes in built:
        line.invoice = invoice
    created = InvoiceLine.objects.bulk_create([line for line, _taxes in built])
    if not all(line.pk for line in created):  # backends without RETURNING
        created = list(InvoiceLine.objects.filter(invoice=invoice).order_by("sequence", "id"))
    through = InvoiceLine.taxes.through
    through.objects.bulk_create(
        [
            through(invoiceline_id=line.pk, tax_id=tax.pk)
            for line, (_unsaved, taxes) in zip(created, built, strict=True)
            for tax in taxes
        ]
    )


def _line_figures(invoice: Invoice, built: list[tuple[InvoiceLine, list[Tax]]]):
    """Set each line's amounts from its quantity, price, discount and taxes; the totals."""
    rounding = accounting_settings(invoice.company).tax_rounding
    result = taxes_compute(
        [
            {
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes,
            }
            for line, taxes in built
        ],
        currency=invoice.currency_id,
        rounding=rounding,
    )
    for (line, _taxes), figures in zip(built, result.lines, strict=True):
        line.untaxed_amount = figures.untaxed
        line.tax_amount = figures.tax
        line.total_amount = figures.total
    return result


def _summary_save(invoice: Invoice, result) -> None:
    """The tax summary rows and the totals of `result` onto a draft whose lines are set."""
    InvoiceTax.objects.bulk_create(
        [
            InvoiceTax(
                company=invoice.company,
                invoice=invoice,
                tax=row.tax,
                base=row.base,
                amount=row.amount,
            )
            for row in result.taxes
        ]
    )
    if result.total < 0:
        raise InvoiceNegative("The invoice total is negative", field="lines")
    invoice.untaxed_amount = result.untaxed
    invoice.tax_amount = result.tax
    invoice.total_amount = result.total
    Invoice.objects.filter(pk=invoice.pk).update(
        untaxed_amount=result.untaxed,
        tax_amount=result.tax,
        total_amount=result.total,
        updated_at=timezone.now(),
    )


def invoice_recompute(invoice: Invoice) -> Invoice:
    """Recompute line amounts, the tax summary and the totals of a draft from its lines.

    The caller holds the invoice's lock (or has just created it).
    """
    lines = list(InvoiceLine.objects.filter(invoice=invoice).prefetch_related("taxes"))
    result = _line_figures(invoice, [(line, list(line.taxes.all())) for line in lines])
    InvoiceLine.objects.bulk_update(lines, ["untaxed_amount", "tax_amount", "total_amount"])
    InvoiceTax.objects.filter(invoice=invoice).delete()
    _summary_save(invoice, result)
    return invoice


# -- drafts --------------------------------------------------------------------------------


@transaction.atomic
def invoice_create(
    *,
    company: Company,
    kind: str,
    party: Party,
    date: date,
    lines: Iterable[Mapping] = (),
    currency=None,
    journal: Journal | None = None,
    payment_term: PaymentTerm | None = None,
    due_date: date | None = None,
    reference: str = "",
    origin: str = "",
    narration: str = "",
    language: str = "",
    user=None,
    credited_invoice: Invoice | None = None,
    allow_archived: bool = False,
    post: bool = False,
) -> Invoice:
    """A draft invoice with its lines, figures and tax summary computed; with `post`, posted
    in the same step (as `invoice_post` would, without reading it back first)."""
    choice(kind, InvoiceKind, field="kind")
    party = _party(company, party)
    on = _date(date, field="date")
    currency = _currency(company, currency, party)
    journal = _journal(company, kind, journal)
    if payment_term is None:
        payment_term = party.payment_term
    else:
        check_company(company, payment_term, field="payment_term")
    if language not in LANGUAGES:
        choice_error = ", ".join(v or '""' for v in LANGUAGES)
        raise ValidationFailed(
            f"language: one of {choice_error}", code="validation.choice", field="language"
        )
    built = _build_lines(company, kind, lines, allow_archived=allow_archived, party=party)
    invoice = Invoice.objects.create(
        company=company,
        kind=kind,
        party=party,
        journal=journal,
        date=on,
        due_date=_due_date(on, payment_term, due_date),
        payment_term=payment_term,
        currency=currency,
        language=language,
        reference=text(reference, field="reference", max_length=100),
        origin=text(origin, field="origin", max_length=100),
        narration=text(narration, field="narration", max_length=10_000),
        credited_invoice=credited_invoice,
        created_by=user if getattr(user, "pk", None) else None,
    )
    # the figures come from the lines in hand: nothing to read back
    result = _line_figures(invoice, built)
    _insert_lines(invoice, built)
    _summary_save(invoice, result)
    if post:
        return _post_locked(invoice, user=user, recompute=False)
    return invoice


def _lock(invoice: Invoice) -> Invoice:
    return lock_one(Invoice, invoice.pk, label="invoice")


def _require_draft(invoice: Invoice) -> None:
    if invoice.state != InvoiceState.DRAFT:
        raise InvoiceNotDraft(
            f"{invoice.number or invoice.pk} is {invoice.state}; only drafts change"
        )


@transaction.atomic
def invoice_update(*, invoice: Invoice, **changes) -> Invoice:
    """Change a draft (any of INVOICE_FIELDS); `lines`, when given, replace all lines."""
    unknown = set(changes) - set(INVOICE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    changes = {k: v for k, v in changes.items() if v is not UNSET}
    locked = _lock(invoice)
    _require_draft(locked)
    company = locked.company
    if "party" in changes:
        locked.party = _party(company, changes["party"])
    if "date" in changes:
        locked.date = _date(changes["date"], field="date")
    if "currency" in changes:
        locked.currency = _currency(company, changes["currency"], locked.party)
    if "journal" in changes:
        locked.journal = _journal(company, locked.kind, changes["journal"])
    if "payment_term" in changes:
        check_company(company, changes["payment_term"], field="payment_term")
        locked.payment_term = changes["payment_term"]
    if "due_date" in changes or "date" in changes or "payment_term" in changes:
        locked.due_date = _due_date(locked.date, locked.payment_term, changes.get("due_date"))
    for name, limit in (("reference", 100), ("origin", 100), ("narration", 10_000)):
        if name in changes:
            setattr(locked, name, text(changes[name], field=name, max_length=limit))
    if "language" in changes:
        if changes["language"] not in LANGUAGES:
            raise ValidationFailed(
                "language: one of en, zh-hans", code="validation.choice", field="language"
            )
        locked.language = changes["language"]
    if "lines" in changes:
        built = _build_lines(company, locked.kind, changes["lines"] or (), party=locked.party)
        keep_origins(locked, built)
        InvoiceLine.objects.filter(invoice=locked).delete()
        _insert_lines(locked, built)
        # the order that made the lines checks them (sales refuses more than its policy)
        events.emit("invoice.lines_replaced", invoice=locked)
    locked.save()
    return invoice_recompute(locked)


@transaction.atomic
def invoice_delete(*, invoice: Invoice) -> None:
    locked = _lock(invoice)
    _require_draft(locked)
    InvoiceTax.objects.filter(invoice=locked).delete()
    InvoiceLine.objects.filter(invoice=locked).delete()
    locked.delete()


# -- posting -------------------------------------------------------------------------------


def _transition(invoice: Invoice, to: str) -> None:
    if to not in INVOICE_TRANSITIONS[InvoiceState(invoice.state)]:
        raise InvoiceInvalidTransition(
            f"{invoice.number or invoice.pk}: not allowed from {invoice.state} to {to}"
        )


def _rate(invoice: Invoice) -> Decimal:
    if invoice.currency_id == invoice.company.currency_id:
        return Decimal(1)
    try:
        return exchange_rate_for(
            company=invoice.company, currency=invoice.currency_id, on_date=invoice.date
        )
    except ValidationFailed:
        raise RateMissing(
            f"No exchange rate for {invoice.currency_id} on or before {invoice.date}",
            field="currency",
        ) from None


def _entry_lines(invoice: Invoice, rate: Decimal) -> tuple[list[dict], Decimal]:
    """The journal entry of an invoice, and the total in the company currency."""
    company = invoice.company
    own = company.currency_id
    code = invoice.currency_id
    foreign = code != own
    party_debit = _debits_party(invoice.kind)
    outbound = scope_of(invoice.kind) == TaxScope.SALE
    partner_account = account_for_role(
        company, AccountRole.RECEIVABLE if outbound else AccountRole.PAYABLE, field="party"
    )

    def convert(value: Decimal) -> Decimal:
        return quantize_money(value * rate, own) if foreign else value

    def line(account, value: Decimal, *, debit: bool, description: str, party=None) -> dict:
        company_value = convert(value)
        row = {
            "account": account,
            "description": description[:200],
            "debit": company_value if debit else ZERO,
            "credit": ZERO if debit else company_value,
        }
        if party is not None:
            row["party"] = party
        if foreign:
            row["currency"] = code
            row["amount_currency"] = value if debit else -value
        return row

    rows = []
    other_side = not party_debit
    for item in invoice.lines.select_related("account").order_by("sequence", "id"):
        if item.untaxed_amount:
            rows.append(
                line(
                    item.account,
                    item.untaxed_amount,
                    debit=other_side,
                    description=item.description,
                )
            )
    for tax_line in invoice.tax_lines.select_related("tax__account"):
        if tax_line.amount:
            rows.append(
                line(
                    tax_line.tax.account,
                    tax_line.amount,
                    debit=other_side,
                    description=tax_line.tax.label or tax_line.tax.name,
                )
            )
    total_company = convert(invoice.total_amount)
    others = sum((r["debit"] if other_side else r["credit"] for r in rows), ZERO)
    reference = invoice.number
    rows.insert(
        0,
        line(
            partner_account,
            invoice.total_amount,
            debit=party_debit,
            description=reference,
            party=invoice.party,
        ),
    )
    difference = total_company - others
    if difference:
        # converting each line at the rate leaves cents: booked, never absorbed silently
        rounding = account_for_role(company, AccountRole.ROUNDING, field="currency")
        side = other_side if difference > 0 else party_debit
        value = abs(difference)
        rows.append(
            {
                "account": rounding,
                "description": "Rounding difference",
                "debit": value if side else ZERO,
                "credit": ZERO if side else value,
            }
        )
    return rows, total_company


@transaction.atomic
def invoice_post(*, invoice: Invoice, user=None) -> Invoice:
    """Number the draft and post its journal entry; the figures are recomputed first."""
    return _post_locked(_lock(invoice), user=user, recompute=True)


def _post_locked(locked: Invoice, *, user, recompute: bool) -> Invoice:
    """Post a draft the caller holds: locked, or created in this very transaction (then its
    figures were just computed and `recompute` is False)."""
    _transition(locked, InvoiceState.POSTED)
    company = locked.company
    if not InvoiceLine.objects.filter(invoice=locked).exists():
        raise InvoiceEmpty("An invoice needs lines to be posted", field="lines")
    if recompute:
        invoice_recompute(locked)
    if not locked.total_amount and not locked.untaxed_amount:
        raise InvoiceEmpty("An invoice of nothing cannot be posted", field="lines")
    rate = _rate(locked)
    prefix = NUMBER_PREFIX[InvoiceKind(locked.kind)]
    # a refusal below (closed period, missing account) rolls the number back with the rest
    locked.number = sequence_next(
        company=company,
        code=f"invoice:{locked.kind}",
        on_date=locked.date,
        prefix=f"{prefix}/{{year}}/",
    )
    rows, total_company = _entry_lines(locked, rate)
    entry = entry_create_posted(
        company=company,
        journal=locked.journal,
        date=locked.date,
        lines=rows,
        reference=locked.number,
        narration=f"{locked.get_kind_display()} {locked.number} {locked.party.name}",
        user=user,
    )
    now = timezone.now()
    Invoice.objects.filter(pk=locked.pk, state=InvoiceState.DRAFT).update(
        state=InvoiceState.POSTED,
        number=locked.number,
        rate=rate,
        entry=entry,
        residual_amount=locked.total_amount,
        total_company=total_company,
        residual_company=total_company,
        payment_state=PaymentStateOfInvoice.NOT_PAID,
        posted_at=now,
        posted_by=user if getattr(user, "pk", None) else None,
        updated_at=now,
    )
    locked.refresh_from_db()
    if locked.credited_invoice_id and locked.is_credit_note:
        credit_settle(locked, user=user)
        locked.refresh_from_db()
    # inside the transaction: what others derive from a posted bill (price differences on
    # purchased stock) commits or rolls back with it
    events.emit("invoice.posted", invoice=locked, user=user)
    events.publish(
        "invoice.posted",
        invoice_id=locked.pk,
        company_id=company.pk,
        kind=locked.kind,
        number=locked.number,
        party_id=locked.party_id,
        total=str(locked.total_amount),
        currency=locked.currency_id,
    )
    return locked


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, user=None) -> Invoice:
    """Post the reversal of a posted invoice's entry; refused once anything is allocated."""
    locked = _lock(invoice)
    _transition(locked, InvoiceState.CANCELLED)
    if (
        Allocation.objects.filter(invoice=locked).exists()
        or Allocation.objects.filter(credit_note=locked).exists()
    ):
        raise InvoiceHasAllocations(
            f"{locked.number} has payments or credit notes allocated; remove them first"
        )
    reversal = entry_reverse(entry=locked.entry, user=user)
    now = timezone.now()
    Invoice.objects.filter(pk=locked.pk, state=InvoiceState.POSTED).update(
        state=InvoiceState.CANCELLED,
        cancel_entry=reversal,
        cancelled_on=reversal.date,
        residual_amount=ZERO,
        residual_company=ZERO,
        updated_at=now,
    )
    locked.refresh_from_db()
    events.emit("invoice.cancelled", invoice=locked, user=user)
    events.publish(
        "invoice.cancelled",
        invoice_id=locked.pk,
        company_id=locked.company_id,
        kind=locked.kind,
        number=locked.number,
    )
    return locked


@transaction.atomic
def invoice_credit(*, invoice: Invoice, date: date | None = None, user=None) -> Invoice:
    """A draft credit note of a posted invoice (or the reverse), with the same lines."""
    source = Invoice.objects.select_related("company", "party").get(pk=invoice.pk)
    if source.state != InvoiceState.POSTED:
        raise InvoiceInvalidTransition(
            f"Only posted documents are credited; {source.number or source.pk} is {source.state}"
        )
    if credit_left(source) <= 0:
        credit_check(source, source.total_amount)  # names what is left: nothing
    lines = [
        {
            "product": line.product,
            "description": line.description,
            "account": line.account,
            "quantity": line.quantity,
            "uom": line.uom,
            "unit_price": line.unit_price,
            "discount": line.discount,
            "taxes": list(line.taxes.all()),
            "origin_line": line.origin_line,
        }
        for line in source.lines.select_related("product", "account", "uom").prefetch_related(
            "taxes"
        )
    ]
    return invoice_create(
        company=source.company,
        kind=CREDIT_KIND[InvoiceKind(source.kind)],
        party=source.party,
        date=date or company_today(source.company),
        lines=lines,
        currency=source.currency_id,
        payment_term=source.payment_term,
        reference=source.number,
        origin=source.origin,
        language=source.language,
        user=user,
        credited_invoice=source,
        allow_archived=True,
    )


__all__ = [
    "CREDIT_KIND",
    "INVOICE_FIELDS",
    "INVOICE_LINE_FIELDS",
    "NUMBER_PREFIX",
    "invoice_cancel",
    "invoice_create",
    "invoice_credit",
    "invoice_delete",
    "invoice_post",
    "invoice_recompute",
    "invoice_update",
    "scope_of",
]
