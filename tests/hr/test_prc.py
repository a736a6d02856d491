"""PRC payroll to the fen: social insurance, housing fund and cumulative withholding
(累计预扣法) month by month through 2025 in Shanghai, worked by hand from the published rules:

- Shanghai bases 7,384-36,921 until 2025-06, 7,460-37,302 from 2025-07; employee pension 8 %,
  medical 2 %, unemployment 0.5 % (to the fen), housing fund 7 % (to the yuan).
- month n: cumulative taxable = n x (salary - 5,000 - SI/HF - special deductions); tax = the
  annual table on it minus the tax withheld in months 1..n-1.
"""

from datetime import date
from decimal import Decimal

import pytest

from tandem.hr import services
from tandem.hr.models import Payslip
from tandem.hr.services.pack import table_tax, tax_tables_on

pytestmark = pytest.mark.django_db
D = Decimal


def _year(prc, run_month, months=range(1, 13)):
    for month in months:
        run_month(prc, month)
    return list(
        Payslip.objects.filter(run__structure=prc).order_by("period").prefetch_related("lines")
    )


def _lines(slip):
    return {line.code: line.amount for line in slip.lines.all()}


def _annual(amount):
    return table_tax(D(amount), tax_tables_on(date(2025, 12, 31))["annual"])


def test_full_year_under_the_ceiling(prc, hire, run_month):
    # 20,000 a month: SI 1,600 + 400 + 100, HF 1,400; taxable 11,500 a month
    hire("E1", 20000)
    slips = _year(prc, run_month)
    withheld = [D(345)] * 3 + [D(1045)] + [D(1150)] * 8
    assert [s.tax for s in slips] == withheld
    for slip in slips:
        lines = _lines(slip)
        assert (lines["PENSION_EE"], lines["MEDICAL_EE"], lines["UNEMPLOYMENT_EE"]) == (
            D("1600.00"),
            D("400.00"),
            D("100.00"),
        )
        assert lines["HF_EE"] == lines["HF_ER"] == D("1400.00")
        assert slip.deductions == D("3500.00")
        assert slip.net == D(20000) - D(3500) - slip.tax
        # employer: pension 16 %, medical 9 %, unemployment 0.5 %, injury 0.16 %, maternity 1 %
        assert slip.employer_cost == D("3200") + D("1800") + D("100") + D("32") + D("200") + D(
            "1400"
        )
    assert slips[0].net == D("16155.00")
    assert sum(withheld) == D("11280.00") == _annual(12 * 11500)


def test_an_evenly_spread_annual_projection_is_not_cumulative_withholding(prc, hire, run_month):
    hire("E1", 20000)
    slips = _year(prc, run_month)
    spread = (_annual(12 * 11500) / 12).quantize(D("0.01"))  # 940.00 every month
    assert spread == D("940.00")
    assert sum(spread for _ in slips) == sum(s.tax for s in slips)  # same year total...
    assert [s.tax for s in slips] != [spread] * 12  # ...but every month differs
    assert slips[0].tax == D("345.00") and slips[-1].tax == D("1150.00")


def test_child_education_deduction(prc, hire, run_month):
    # 2,000 a month more deducted: taxable 9,500 a month
    hire("E1", 20000, special_deductions={"children_education": "2000"})
    slips = _year(prc, run_month)
    withheld = [D(285)] * 3 + [D(425)] + [D(950)] * 8
    assert [s.tax for s in slips] == withheld
    assert sum(withheld) == D("8880.00") == _annual(12 * 9500)
    assert _lines(slips[0])["TAX_DEDUCTIBLE"] == D("5500.00")


def test_above_the_social_insurance_ceiling(prc, hire, run_month):
    # 50,000 a month: the base is the ceiling, 36,921 then 37,302 from July
    hire("E1", 50000)
    slips = _year(prc, run_month)
    first, july = _lines(slips[0]), _lines(slips[6])
    assert first["SI_BASE"] == D("36921.00") and july["SI_BASE"] == D("37302.00")
    assert (first["PENSION_EE"], first["MEDICAL_EE"], first["UNEMPLOYMENT_EE"]) == (
        D("2953.68"),
        D("738.42"),
        D("184.61"),  # 184.605 rounded half up
    )
    assert first["HF_EE"] == D("2584.00")  # 2,584.47 to the yuan
    assert (july["PENSION_EE"], july["MEDICAL_EE"], july["UNEMPLOYMENT_EE"], july["HF_EE"]) == (
        D("2984.16"),
        D("746.04"),
        D("186.51"),
        D("2611.00"),
    )
    assert [s.deductions for s in slips] == [D("6460.71")] * 6 + [D("6527.71")] * 6
    withheld = [
        "1333.93", "3853.93", "3853.93", "4869.64", "7707.86", "7707.86",
        "7694.46", "8103.47", "9618.07", "9618.08", "9797.93", "11541.68",
    ]  # fmt: skip
    assert [s.tax for s in slips] == [D(w) for w in withheld]
    assert [s.net for s in slips][:2] == [D("42205.36"), D("39685.36")]
    assert _lines(slips[-1])["CUM_TAXABLE"] == D("462069.48")
    assert sum(s.tax for s in slips) == D("85700.84") == _annual("462069.48")


def test_mid_year_hire(prc, hire, run_month):
    # hired 2025-07-15: months employed count from July, so July is like January
    hire("E1", 20000, hired=date(2025, 7, 15))
    _year(prc, run_month, months=range(1, 7))  # runs before the hire have no payslip
    assert Payslip.objects.count() == 0
    slips = _year(prc, run_month, months=range(7, 13))
    assert [s.period for s in slips] == [f"2025-{m:02d}" for m in range(7, 13)]
    withheld = [D(345)] * 3 + [D(1045), D(1150), D(1150)]
    assert [s.tax for s in slips] == withheld
    assert sum(withheld) == D("4380.00") == _annual(6 * 11500)


def test_previous_employer_in_the_same_year(company, prc, hire, run_month):
    # joined on 2025-07-01 after six months elsewhere at the same pay, whose employer withheld
    # 4,380: the cumulative figures continue as if one employer had paid the whole year
    employee = hire("E1", 20000, hired=date(2025, 7, 1))
    for kind, amount in [
        ("previous_income", 120000),
        ("previous_deductions", 21000),
        ("previous_months", 6),
        ("previous_tax", 4380),
    ]:
        services.payroll_input_set(
            company=company, employee=employee, period="2025-07", kind=kind, amount=amount
        )
    slips = _year(prc, run_month, months=range(7, 13))
    assert [s.tax for s in slips] == [D(1150)] * 6
    assert sum(s.tax for s in slips) + 4380 == D("11280.00") == _annual(12 * 11500)
    # the previous income is a tax figure only: it is not paid again
    assert slips[0].gross == D("20000.00") and slips[0].net == D("15350.00")


def test_annual_bonus_taxed_separately_or_with_the_salary(company, prc, hire, run_month):
    separate, combined = hire("E1", 20000), hire("E2", 20000)
    services.payroll_input_set(
        company=company, employee=separate, period="2025-12", kind="annual_bonus", amount=36000
    )
    services.payroll_input_set(
        company=company, employee=combined, period="2025-12", kind="bonus", amount=36000
    )
    _year(prc, run_month)
    december = {s.employee_id: s for s in Payslip.objects.filter(period="2025-12")}
    alone = _lines(december[separate.pk])
    # 36,000 / 12 = 3,000 -> the monthly table's 3 % bracket: 1,080
    assert alone["BONUS_TAX"] == D("1080.00") and alone["INCOME_TAX"] == D("1150.00")
    assert december[separate.pk].tax == D("2230.00")
    # in the cumulative income: 174,000 -> 20 % - 16,920 = 17,880 less 10,130 withheld
    assert _lines(december[combined.pk])["INCOME_TAX"] == D("7750.00")
    assert december[combined.pk].tax == D("7750.00")


def test_beijing_adds_three_yuan_and_its_own_rates(company, prc, hire, run_month):
    hire("B1", 20000, city="beijing", housing_fund_rate=D("0.12"))
    slip = _year(prc, run_month, months=[1])[0]
    lines = _lines(slip)
    assert lines["MEDICAL_EE"] == D("403.00")
    assert lines["HF_EE"] == D("2400.00")
    # employer: pension 3,200, medical 1,800, unemployment 100, injury 40, maternity 160, HF
    assert slip.employer_cost == D("7700.00")
    # 20,000 - 5,000 - (1,600 + 403 + 100 + 2,400) = 10,497 at 3 %
    assert slip.tax == D("314.91")
