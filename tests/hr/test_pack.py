"""The PRC pack does not depend on its migration having run in this database."""

from datetime import date
from decimal import Decimal

import pytest

from tandem.hr import services
from tandem.hr.models import IncomeTaxBracket, SocialInsuranceRule
from tandem.hr.services.pack import si_rules_on, tax_tables_on

pytestmark = pytest.mark.django_db
D = Decimal


def test_ensure_is_idempotent_and_corrects_a_changed_figure():
    # given the shipped pack (the migration ran) and one figure edited by hand
    assert services.prc_pack_ensure() == {"created": 0, "updated": 0}
    SocialInsuranceRule.objects.filter(city="shanghai", valid_from=date(2025, 7, 1)).update(
        base_ceiling=D("1")
    )
    # when it is ensured again
    result = services.prc_pack_ensure()
    # then exactly that row is put back
    assert result == {"created": 0, "updated": 1}
    rule = si_rules_on(date(2025, 9, 30))["shanghai"]
    assert (rule.base_floor, rule.base_ceiling, rule.housing_fund_floor) == (
        D("7460"),
        D("37302"),
        D("2740"),
    )


def test_the_shipped_figures_per_city_and_date():
    on = si_rules_on
    assert (
        on(date(2025, 6, 30))["shanghai"].base_floor,
        on(date(2025, 6, 30))["shanghai"].base_ceiling,
    ) == (D("7384"), D("36921"))
    assert on(date(2025, 8, 31))["beijing"].housing_fund_floor == D("2420")
    assert on(date(2025, 9, 1))["beijing"].housing_fund_floor == D("2540")
    assert (
        on(date(2026, 6, 30))["beijing"].base_floor,
        on(date(2026, 6, 30))["beijing"].base_ceiling,
    ) == (D("7162"), D("35811"))
    # Beijing's 2026 year is shipped; Shanghai's is not confirmed, so nothing is guessed
    for day in (date(2026, 7, 1), date(2027, 6, 30)):
        rule = on(day)["beijing"]
        assert (rule.base_floor, rule.base_ceiling) == (D("7270"), D("36348"))
        assert (rule.housing_fund_floor, rule.housing_fund_ceiling) == (D("2540"), D("36348"))
    assert "shanghai" not in on(date(2026, 7, 1))
    assert on(date(2027, 7, 1)) == {}
    annual = tax_tables_on(date(2025, 1, 31))["annual"]
    assert [(u, r, q) for u, r, q in annual][:2] == [
        (D("36000"), D("0.03"), D("0")),
        (D("144000"), D("0.10"), D("2520")),
    ]


def test_compute_puts_a_flushed_pack_back(prc, hire, run_month):
    # given a database whose reference rows were emptied after the migration
    hire("E1", 20000)
    SocialInsuranceRule.objects.all().delete()
    IncomeTaxBracket.objects.all().delete()
    # when a month is computed
    run = run_month(prc, 1, post=False)
    # then the pack is back and the payslip computed with it
    assert SocialInsuranceRule.objects.count() == 6 and IncomeTaxBracket.objects.count() == 14
    slip = run.payslips.get()
    assert slip.state == "done", slip.error
    assert slip.lines.get(code="PENSION_EE").amount == D("1600.00")


def test_july_2026_computes_in_beijing_and_fails_in_shanghai_with_the_reason(prc, hire):
    # given one Beijing employee above the 2026 ceiling and one in Shanghai, whose 2026 year
    # is not shipped
    hire("BJ", 40000, city="beijing", housing_fund_rate=D("0.12"))
    hire("SH", 20000)
    # when July 2026 is computed
    run = services.payroll_run_create(company=prc.company, period="2026-07", structure=prc)
    run = services.payroll_run_compute(run=run)
    # then Beijing computes on the 2026 ceiling and Shanghai fails with the reason
    bj = run.payslips.get(employee__number="BJ")
    assert bj.state == "done", bj.error
    lines = {line.code: line.amount for line in bj.lines.all()}
    assert lines["PENSION_EE"] == D("2907.84")  # 36,348 x 8 %
    assert lines["MEDICAL_EE"] == D("729.96")  # 36,348 x 2 % + 3
    assert lines["HF_EE"] == D("4362.00")  # 36,348 x 12 % = 4,361.76, to the yuan
    sh = run.payslips.get(employee__number="SH")
    assert sh.state == "failed"
    assert "no social insurance rule for shanghai on 2026-07-31" in sh.error
    assert "tandem si-rule add" in sh.error


def test_an_operator_enters_shanghai_s_new_year_and_the_month_computes(prc, hire, capsys):
    from tandem.cli import main

    # given Shanghai's July 2026 failing for want of the city's new bases
    hire("SH", 20000)
    run = services.payroll_run_create(company=prc.company, period="2026-07", structure=prc)
    run = services.payroll_run_compute(run=run)
    assert run.payslips.get().state == "failed"
    before = SocialInsuranceRule.objects.count()
    # when the operator enters bases that are wrong in each way, nothing is written
    refusals = [
        (["--from", "2026-07-15"], "first day of a month"),
        (["--from", "2026-06-01"], "already has a period covering 2026-06-01"),
        (["--from", "2026-07-01", "--base-ceiling", "7000"], "below base_floor"),
        (["--from", "2026-07-01", "--city", "shenzhen"], "city: one of"),
        (["--from", "2026-07-01", "--base-floor", "abc"], "not a number"),
    ]
    for options, message in refusals:
        argv = ["si-rule", "add", "--city", "shanghai", "--base-floor", "7500"]
        argv += ["--base-ceiling", "37500", "--housing-fund-floor", "2740", *options]
        with pytest.raises(SystemExit) as refused:
            main(argv)
        assert refused.value.code == 2 and message in capsys.readouterr().err, options
    assert SocialInsuranceRule.objects.count() == before
    # and then the figures of the city's notice (here made up: the test needs no real ones)
    main(
        ["si-rule", "add", "--city", "shanghai", "--from", "2026-07-01"]
        + ["--base-floor", "7500", "--base-ceiling", "37500", "--housing-fund-floor", "2740"]
        + ["--source", "operator's entry from the city's notice"]
    )
    assert "Added shanghai 2026-07-01 .. open: base 7500.00 / 37500.00" in capsys.readouterr().out
    # then the period is in force with the previous period's rates, and the month computes
    rule = si_rules_on(date(2026, 12, 31))["shanghai"]
    previous = SocialInsuranceRule.objects.get(city="shanghai", valid_from=date(2025, 7, 1))
    assert (rule.pension_employee, rule.housing_fund_ceiling) == (previous.pension_employee, 37500)
    assert previous.valid_to == date(2026, 6, 30)  # unchanged: it was already closed
    run = services.payroll_run_compute(run=run)
    slip = run.payslips.get()
    assert slip.state == "done", slip.error
    assert slip.lines.get(code="PENSION_EE").amount == Decimal("1600.00")  # 20,000 x 8 %
