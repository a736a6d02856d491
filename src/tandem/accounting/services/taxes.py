"""Taxes: maintenance, the templates a chart installs, and the pure tax computation.

`taxes_compute` is the one place that turns document lines into untaxed, tax and total
amounts; invoices (and later orders) call it so a figure is computed one way only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Company
from tandem.core.money import minor_unit, quantize_money, to_decimal

from ..errors import TaxInUse
from ..models import (
    AccountingSettings,
    AccountRole,
    InvoiceLine,
    InvoiceTax,
    Tax,
    TaxAmountType,
    TaxGroup,
    TaxRounding,
    TaxScope,
)
from ._common import UNSET, account_for_role, check_company, choice, lock_one, text

TAX_FIELDS = (
    "name",
    "label",
    "scope",
    "amount_type",
    "rate",
    "price_include",
    "group",
    "account",
    "sequence",
    "active",
)
# What an invoice's figures depend on: fixed once the tax is on a document line.
TAX_FIGURE_FIELDS = ("scope", "amount_type", "rate", "price_include")
HUNDRED = Decimal(100)
RATE_LIMIT = Decimal(10) ** 8

# -- settings ------------------------------------------------------------------------------


def accounting_settings(company: Company) -> AccountingSettings:
    """The company's settings row, made with the defaults on first use."""
    row = AccountingSettings.objects.filter(company=company).first()
    if row is None:
        try:
            with transaction.atomic():
                row = AccountingSettings.objects.create(company=company)
        except IntegrityError:  # a concurrent first use made it
            row = AccountingSettings.objects.get(company=company)
    return row


@transaction.atomic
def accounting_settings_update(*, company: Company, tax_rounding=UNSET) -> AccountingSettings:
    row = accounting_settings(company)
    row = lock_one(AccountingSettings, row.pk, label="accounting_settings")
    if tax_rounding is not UNSET:
        row.tax_rounding = choice(tax_rounding, TaxRounding, field="tax_rounding")
    row.save()
    return row


# -- maintenance ---------------------------------------------------------------------------


def _rate(value, *, field: str = "rate") -> Decimal:
    try:
        number = to_decimal(value if value not in (None, "") else 0)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite() or number < 0:
        raise ValidationFailed(
            f"{field} must not be negative", code="validation.min_value", field=field
        )
    if number >= RATE_LIMIT or number != number.quantize(Decimal("0.0001")):
        raise ValidationFailed(
            f"{field}: at most 4 decimal places", code="validation.precision", field=field
        )
    return number


def _tax_check(tax: Tax) -> None:
    tax.name = text(tax.name, field="name", max_length=100, required=True)
    tax.label = text(tax.label, field="label", max_length=100)
    choice(tax.scope, TaxScope, field="scope")
    choice(tax.amount_type, TaxAmountType, field="amount_type")
    tax.rate = _rate(tax.rate)
    tax.price_include = bool(tax.price_include)
    if tax.amount_type == TaxAmountType.FIXED and tax.price_include:
        raise ValidationFailed(
            "A fixed amount per unit cannot be included in the price",
            code="tax.fixed_included",
            field="price_include",
        )
    if tax.amount_type == TaxAmountType.PERCENT and tax.rate > HUNDRED * 10:
        raise ValidationFailed(
            "rate: at most 1000 percent", code="validation.max_value", field="rate"
        )
    if tax.account_id is None:
        raise ValidationFailed("account is required", code="validation.required", field="account")
    check_company(tax.company, tax.account, field="account")
    check_company(tax.company, tax.group, field="group")
    try:
        tax.sequence = int(tax.sequence)
    except (TypeError, ValueError):
        raise ValidationFailed("sequence: not a number", field="sequence") from None
    if not 0 <= tax.sequence < 2**31:
        raise ValidationFailed("sequence: out of range", field="sequence")
    clash = (
        Tax.objects.filter(company_id=tax.company_id, scope=tax.scope, name=tax.name)
        .exclude(pk=tax.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise Duplicate(
            f"A {tax.scope} tax named {tax.name} exists",
            code="tax.duplicate",
            field="name",
            extra={"existing_id": clash},
        )


def tax_is_used(tax: Tax) -> bool:
    return (
        InvoiceLine.taxes.through.objects.filter(tax_id=tax.pk).exists()
        or InvoiceTax.objects.filter(tax_id=tax.pk).exists()
    )


def _save(tax: Tax) -> Tax:
    try:
        with transaction.atomic():
            tax.save()
    except IntegrityError:
        _tax_check(tax)  # names the concurrent duplicate
        raise
    return tax


@transaction.atomic
def tax_create(
    *,
    company: Company,
    name: str,
    scope: str,
    rate,
    account=None,
    amount_type: str = TaxAmountType.PERCENT,
    price_include: bool = False,
    group: TaxGroup | None = None,
    label: str = "",
    sequence: int = 10,
    active: bool = True,
) -> Tax:
    """A tax; without `account` it posts to the tax payable (sales) / receivable account."""
    if account is None and scope in TaxScope.values:
        role = AccountRole.TAX_PAYABLE if scope == TaxScope.SALE else AccountRole.TAX_RECEIVABLE
        account = account_for_role(company, role, field="account")
    tax = Tax(
        company=company,
        name=name,
        label=label,
        scope=scope,
        amount_type=amount_type,
        rate=rate,
        price_include=price_include,
        group=group,
        account=account,
        sequence=sequence,
        active=active,
    )
    _tax_check(tax)
    return _save(tax)


@transaction.atomic
def tax_update(*, tax: Tax, **changes) -> Tax:
    """Change any of TAX_FIELDS; the figures (rate, type, scope, inclusion) only while unused."""
    unknown = set(changes) - set(TAX_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    tax = lock_one(Tax, tax.pk, label="tax")
    changes = {k: v for k, v in changes.items() if v is not UNSET}
    altered = [
        f for f in TAX_FIGURE_FIELDS if f in changes and str(changes[f]) != str(getattr(tax, f))
    ]
    if "rate" in altered and _rate(changes["rate"]) == tax.rate:
        altered.remove("rate")
    if altered and tax_is_used(tax):
        raise TaxInUse(
            f"{tax.name} is on invoices; archive it and create a new tax instead",
            field=altered[0],
        )
    for name, value in changes.items():
        setattr(tax, name, value)
    _tax_check(tax)
    return _save(tax)


@transaction.atomic
def tax_archive(*, tax: Tax) -> Tax:
    tax = lock_one(Tax, tax.pk, label="tax")
    if tax.active:
        tax.active = False
        tax.save()
    return tax


@transaction.atomic
def tax_delete(*, tax: Tax) -> None:
    """Refused once a document uses the tax: archive it instead."""
    tax = lock_one(Tax, tax.pk, label="tax")
    if tax_is_used(tax):
        raise TaxInUse(f"{tax.name} is on invoices; archive it instead")
    tax.products.clear()
    tax.delete()


def tax_group_for(company: Company, name: str) -> TaxGroup:
    group = TaxGroup.objects.filter(company=company, name=name).first()
    if group is None:
        try:
            with transaction.atomic():
                group = TaxGroup.objects.create(company=company, name=name)
        except IntegrityError:
            group = TaxGroup.objects.get(company=company, name=name)
    return group


# -- templates -----------------------------------------------------------------------------

# (scope, name, label, amount_type, rate, price_include, sequence)
TAX_TEMPLATES = {
    "prc": {
        "group": "增值税",
        "taxes": [
            ("sale", "销项税 13%", "增值税 13%", "percent", "13", False, 10),
            ("sale", "销项税 9%", "增值税 9%", "percent", "9", False, 20),
            ("sale", "销项税 6%", "增值税 6%", "percent", "6", False, 30),
            ("sale", "销项税 0%", "增值税 0%", "percent", "0", False, 40),
            ("purchase", "进项税 13%", "增值税 13%", "percent", "13", False, 10),
            ("purchase", "进项税 9%", "增值税 9%", "percent", "9", False, 20),
            ("purchase", "进项税 6%", "增值税 6%", "percent", "6", False, 30),
            ("purchase", "进项税 0%", "增值税 0%", "percent", "0", False, 40),
        ],
    },
    "generic": {
        "group": "VAT",
        "taxes": [
            ("sale", "VAT 20% (sales)", "VAT 20%", "percent", "20", False, 10),
            ("sale", "VAT 10% (sales)", "VAT 10%", "percent", "10", False, 20),
            ("sale", "VAT 5% (sales)", "VAT 5%", "percent", "5", False, 30),
            ("sale", "VAT 0% (sales)", "VAT 0%", "percent", "0", False, 40),
            ("sale", "Eco fee 0.50 per unit", "Eco fee", "fixed", "0.50", False, 90),
            ("purchase", "VAT 20% (purchases)", "VAT 20%", "percent", "20", False, 10),
            ("purchase", "VAT 10% (purchases)", "VAT 10%", "percent", "10", False, 20),
            ("purchase", "VAT 5% (purchases)", "VAT 5%", "percent", "5", False, 30),
            ("purchase", "VAT 0% (purchases)", "VAT 0%", "percent", "0", False, 40),
        ],
    },
}


@transaction.atomic
def taxes_install(*, company: Company, template: str = "prc") -> int:
    """Create a template's taxes on the company's tax accounts; taxes it has are kept.

    Returns how many taxes were created.
    """
    spec = TAX_TEMPLATES.get(template)
    if spec is None:
        raise ValidationFailed(
            f"template: choose one of {', '.join(sorted(TAX_TEMPLATES))}",
            code="tax.template_unknown",
            field="template",
        )
    accounts = {
        TaxScope.SALE: account_for_role(company, AccountRole.TAX_PAYABLE, field="template"),
        TaxScope.PURCHASE: account_for_role(company, AccountRole.TAX_RECEIVABLE, field="template"),
    }
    group = tax_group_for(company, spec["group"])
    existing = set(Tax.objects.filter(company=company).values_list("scope", "name"))
    new = [
        Tax(
            company=company,
            scope=scope,
            name=name,
            label=label,
            amount_type=amount_type,
            rate=Decimal(rate),
            price_include=included,
            sequence=sequence,
            group=group,
            account=accounts[scope],
        )
        for scope, name, label, amount_type, rate, included, sequence in spec["taxes"]
        if (scope, name) not in existing
    ]
    for tax in new:
        tax.save()  # one by one: simple_history records each, and there are a handful
    accounting_settings(company)
    return len(new)


# -- computation ---------------------------------------------------------------------------


@dataclass
class LineFigures:
    untaxed: Decimal
    tax: Decimal
    total: Decimal
    taxes: dict[int, Decimal] = field(default_factory=dict)  # tax id -> this line's share


@dataclass
class TaxFigures:
    tax: Tax
    base: Decimal
    amount: Decimal


@dataclass
class Computation:
    lines: list[LineFigures]
    taxes: list[TaxFigures]
    untaxed: Decimal
    tax: Decimal
    total: Decimal


def _ordered(taxes: Iterable[Tax]) -> list[Tax]:
    unique = {t.pk: t for t in taxes}
    return sorted(unique.values(), key=lambda t: (t.sequence, t.pk))


def _distribute(target: Decimal, shares: list[Decimal], unit: Decimal) -> list[Decimal]:
    """Round `shares` so they sum to `target` exactly (largest remainder, then line order)."""
    rounded = [s.quantize(unit, rounding=ROUND_DOWN) for s in shares]
    left = target - sum(rounded, Decimal(0))
    if not left:
        return rounded
    step = unit if left > 0 else -unit
    order = sorted(range(len(shares)), key=lambda i: (-(abs(shares[i] - rounded[i])), i))
    count = int(abs(left) / unit)
    for n in range(count):
        index = order[n % len(order)]
        rounded[index] += step
    return rounded


def taxes_compute(
    lines: Sequence[Mapping], *, currency: str, rounding: str = TaxRounding.PER_LINE
) -> Computation:
    """Figures of document lines: each a mapping with quantity, unit_price, discount, taxes.

    Price-included percentages are taken out of the price first (base = price / (1 + sum of
    included rates)); excluded percentages and fixed amounts per unit are added on the base.
    Per line: each line's tax is rounded, then summed. Per document: each tax is summed
    unrounded and rounded once; the lines' shares are then spread to sum to that figure.
    """
    places = minor_unit(currency)
    unit = Decimal(1).scaleb(-places)

    def money(value: Decimal) -> Decimal:
        return quantize_money(value, currency)

    raw = []  # per line: (gross, unrounded base, {tax id: unrounded amount}, included ids)
    all_taxes: dict[int, Tax] = {}
    for line in lines:
        quantity = to_decimal(line.get("quantity") or 0)
        price = to_decimal(line.get("unit_price") or 0)
        discount = to_decimal(line.get("discount") or 0)
        taxes = _ordered(line.get("taxes") or ())
        gross = quantity * price * (HUNDRED - discount) / HUNDRED
        included = [t for t in taxes if t.price_include and t.amount_type == TaxAmountType.PERCENT]
        included_rate = sum((t.rate for t in included), Decimal(0))
        base = gross / (1 + included_rate / HUNDRED) if included_rate else gross
        amounts = {}
        for tax in taxes:
            all_taxes[tax.pk] = tax
            if tax.amount_type == TaxAmountType.FIXED:
                amounts[tax.pk] = quantity * tax.rate
            else:
                amounts[tax.pk] = base * tax.rate / HUNDRED
        raw.append((gross, base, amounts, {t.pk for t in included}))

    per_line = rounding != TaxRounding.PER_DOCUMENT
    figures: list[LineFigures] = []
    if per_line:
        for gross, base, amounts, included in raw:
            shares = {pk: money(a) for pk, a in amounts.items()}
            if included:
                # the price stays whole: what is not included tax is the untaxed amount
                untaxed = money(gross) - sum((shares[pk] for pk in included), Decimal(0))
            else:
                untaxed = money(base)
            tax = sum(shares.values(), Decimal(0))
            figures.append(LineFigures(untaxed, tax, untaxed + tax, shares))
    else:
        for _gross, base, _amounts, _included in raw:
            figures.append(LineFigures(money(base), Decimal(0), Decimal(0), {}))
        for pk in all_taxes:
            carriers = [i for i, r in enumerate(raw) if pk in r[2]]
            target = money(sum((raw[i][2][pk] for i in carriers), Decimal(0)))
            spread = _distribute(target, [raw[i][2][pk] for i in carriers], unit)
            for i, share in zip(carriers, spread, strict=True):
                figures[i].taxes[pk] = share
        for line in figures:
            line.tax = sum(line.taxes.values(), Decimal(0))
            line.total = line.untaxed + line.tax

    summary = []
    for tax in _ordered(all_taxes.values()):
        carriers = [f for f in figures if tax.pk in f.taxes]
        summary.append(
            TaxFigures(
                tax=tax,
                base=sum((f.untaxed for f in carriers), Decimal(0)),
                amount=sum((f.taxes[tax.pk] for f in carriers), Decimal(0)),
            )
        )
    untaxed = sum((f.untaxed for f in figures), Decimal(0))
    tax_total = sum((t.amount for t in summary), Decimal(0))
    return Computation(
        lines=figures,
        taxes=summary,
        untaxed=money(untaxed),
        tax=money(tax_total),
        total=money(untaxed + tax_total),
    )


__all__ = [
    "TAX_FIELDS",
    "TAX_TEMPLATES",
    "Computation",
    "LineFigures",
    "TaxFigures",
    "accounting_settings",
    "accounting_settings_update",
    "tax_archive",
    "tax_create",
    "tax_delete",
    "tax_group_for",
    "tax_is_used",
    "tax_update",
    "taxes_compute",
    "taxes_install",
]
