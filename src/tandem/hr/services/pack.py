"""The PRC pack read on a date: city social insurance rules and the income tax tables."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q

from tandem.core.errors import ValidationFailed

from .. import prc_data
from ..models import IncomeTaxBracket, SocialInsuranceCity, SocialInsuranceRule, TaxTable
from .org import _date

CENT = Decimal("0.01")
ZERO = Decimal(0)
BASIC_DEDUCTION = Decimal(5000)  # per month employed in the year (个人所得税法 第六条)

# the rule's figures a formula reads, under these names
SI_NAMES = {
    "si_base_floor": "base_floor",
    "si_base_ceiling": "base_ceiling",
    "hf_base_floor": "housing_fund_floor",
    "hf_base_ceiling": "housing_fund_ceiling",
    "hf_rate_min": "housing_fund_rate_min",
    "hf_rate_max": "housing_fund_rate_max",
    "pension_employee": "pension_employee",
    "pension_employer": "pension_employer",
    "medical_employee": "medical_employee",
    "medical_employer": "medical_employer",
    "medical_fixed_employee": "medical_fixed_employee",
    "unemployment_employee": "unemployment_employee",
    "unemployment_employer": "unemployment_employer",
    "injury_employer": "injury_employer",
    "maternity_employer": "maternity_employer",
}


@transaction.atomic
def prc_pack_ensure() -> dict:
    """Install or correct the PRC pack's reference rows (social insurance per city, the
    income tax tables) from `hr.prc_data`, the data the migration loads too. Idempotent;
    payroll compute calls it when the rows it needs are missing (a database whose tables were
    flushed after the migration ran). Returns {"created": n, "updated": n}."""
    return prc_data.install(SocialInsuranceRule, IncomeTaxBracket)


def _valid_on(day: date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def si_rules_on(day: date) -> dict[str, SocialInsuranceRule]:
    return {rule.city: rule for rule in SocialInsuranceRule.objects.filter(_valid_on(day))}


def tax_tables_on(day: date) -> dict[str, list[tuple]]:
    tables: dict[str, list[tuple]] = {TaxTable.ANNUAL: [], TaxTable.MONTHLY: []}
    rows = IncomeTaxBracket.objects.filter(_valid_on(day)).order_by("table", "rate")
    for row in rows:
        tables[row.table].append((row.upper, row.rate, row.quick_deduction))
    return tables


def table_tax(amount: Decimal, brackets: list[tuple]) -> Decimal:
    """Tax on `amount` by a bracket table with quick deductions, to the fen; 0 at or below 0."""
    if amount <= 0:
        return ZERO.quantize(CENT)
    for upper, rate, quick in brackets:
        if upper is None or amount <= upper:
            return (amount * rate - quick).quantize(CENT, rounding=ROUND_HALF_UP)
    raise ValueError("the tax table has no open top bracket")


def bonus_tax(amount: Decimal, monthly: list[tuple]) -> Decimal:
    """The annual one-time bonus taxed alone: the monthly table's bracket of bonus / 12, the
    rate on the whole bonus minus one quick deduction (财税〔2018〕164号)."""
    if amount <= 0:
        return ZERO.quantize(CENT)
    share = amount / 12
    for upper, rate, quick in monthly:
        if upper is None or share <= upper:
            return (amount * rate - quick).quantize(CENT, rounding=ROUND_HALF_UP)
    raise ValueError("the tax table has no open top bracket")


# a city's bases are published once a year, after the period they start has begun; the
# figures a period copies from the one before when the operator does not give them
SI_RATES = (
    "pension_employee",
    "pension_employer",
    "medical_employee",
    "medical_employer",
    "medical_fixed_employee",
    "unemployment_employee",
    "unemployment_employer",
    "injury_employer",
    "maternity_employer",
    "rounding",
    "housing_fund_rate_min",
    "housing_fund_rate_max",
    "housing_fund_rounding",
)


def _amount(value, *, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite() or number <= 0 or number >= Decimal("1e9"):
        raise ValidationFailed(f"{field}: a positive amount is required", field=field)
    if number != number.quantize(CENT):
        raise ValidationFailed(f"{field}: at most two decimals", field=field)
    return number.quantize(CENT)


@transaction.atomic
def si_rule_add(
    *,
    city: str,
    valid_from,
    base_floor,
    base_ceiling,
    housing_fund_floor,
    housing_fund_ceiling=None,
    valid_to=None,
    source: str = "",
) -> SocialInsuranceRule:
    """Enter a city's newly published contribution bases from `valid_from` on (the operator's
    step when the city announces its year; Tandem ships only figures it could source). The
    rates and roundings are the city's previous period's. The period starts on the first of
    a month, after every period the city has (none is rewritten: posted payslips read them),
    and a previous period left open is closed the day before."""
    if city not in SocialInsuranceCity.values:
        raise ValidationFailed(
            f"city: one of {', '.join(SocialInsuranceCity.values)}",
            code="validation.choice",
            field="city",
        )
    start = _date(valid_from, field="valid_from")
    end = _date(valid_to, field="valid_to", required=False)
    if start.day != 1:
        raise ValidationFailed("valid_from: the first day of a month", field="valid_from")
    if end is not None and end < start:
        raise ValidationFailed("valid_to is before valid_from", field="valid_to")
    floor = _amount(base_floor, field="base_floor")
    ceiling = _amount(base_ceiling, field="base_ceiling")
    if ceiling < floor:
        raise ValidationFailed("base_ceiling is below base_floor", field="base_ceiling")
    hf_floor = _amount(housing_fund_floor, field="housing_fund_floor")
    hf_ceiling = (
        ceiling
        if housing_fund_ceiling in (None, "")
        else _amount(housing_fund_ceiling, field="housing_fund_ceiling")
    )
    if hf_ceiling < hf_floor:
        raise ValidationFailed(
            "housing_fund_ceiling is below housing_fund_floor", field="housing_fund_ceiling"
        )
    rules = SocialInsuranceRule.objects.select_for_update().filter(city=city)
    previous = rules.order_by("-valid_from").first()
    if previous is None:
        raise ValidationFailed(f"{city} has no earlier period to take its rates from", field="city")
    if previous.valid_from >= start or (previous.valid_to and previous.valid_to >= start):
        raise ValidationFailed(
            f"{city} already has a period covering {start}; a new one starts after "
            f"{previous.valid_to or previous.valid_from}",
            code="hr.si_period_overlaps",
            field="valid_from",
        )
    if previous.valid_to is None:
        previous.valid_to = start - timedelta(days=1)
        previous.save(update_fields=["valid_to"])
    return SocialInsuranceRule.objects.create(
        city=city,
        valid_from=start,
        valid_to=end,
        base_floor=floor,
        base_ceiling=ceiling,
        housing_fund_floor=hf_floor,
        housing_fund_ceiling=hf_ceiling,
        source=(source or "").strip()[:300],
        **{name: getattr(previous, name) for name in SI_RATES},
    )
