"""The PRC pack read on a date: city social insurance rules and the income tax tables."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q

from .. import prc_data
from ..models import IncomeTaxBracket, SocialInsuranceRule, TaxTable

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
