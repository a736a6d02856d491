"""Salary structures: ordered rules whose formulas are checked when the structure is saved,
and the installers of the PRC structure and the generic one."""

from __future__ import annotations

import re

from django.db import transaction

from tandem.accounting.services._common import UNSET, choice, lock, text
from tandem.core.errors import Duplicate, ValidationFailed

from ..formulas import Formula, FormulaInvalid, compile_formula
from ..models import (
    POSTING_ROLES,
    InputKind,
    Rounding,
    RuleCategory,
    SalaryRule,
    SalaryStructure,
    SpecialDeduction,
)
from .pack import SI_NAMES

CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,29}$")
MAX_RULES = 200

# Names every formula may read (besides earlier rules' codes and ytd_<CODE>):
VERSION_NAMES = {
    "base_salary",
    "social_insurance_base",  # the declared base, else the base salary
    "housing_fund_rate",
    "special_deduction",  # the month's special additional deductions, all kinds
    *SpecialDeduction.values,
}
INPUT_NAMES = {*InputKind.values, *(f"ytd_{kind}" for kind in InputKind.values)}
PERIOD_NAMES = {"month", "months_employed"}
TOTAL_NAMES = {f"total_{category}" for category in RuleCategory.values}
VALUE_NAMES = frozenset(VERSION_NAMES | INPUT_NAMES | PERIOD_NAMES | TOTAL_NAMES | set(SI_NAMES))
FUNCTION_NAMES = frozenset({"annual_tax", "monthly_tax", "bonus_tax", "si_round", "hf_round"})
# categories whose amounts need a payable to post to (gross, net and tax have fixed accounts;
# a deduction without one reduces the wages expense, e.g. unpaid absence)
ROLE_REQUIRED = {RuleCategory.EMPLOYER_COST}


def compile_rules(rules) -> list[tuple[SalaryRule, Formula]]:
    """Each rule with its compiled formula, in sequence order. A rule may read the codes of
    the rules before it and the year-to-date sum `ytd_<CODE>` of any rule."""
    rules = sorted(rules, key=lambda rule: rule.sequence)
    ytd = {f"ytd_{rule.code}" for rule in rules}
    earlier: set[str] = set()
    compiled = []
    for rule in rules:
        known = VALUE_NAMES | ytd | earlier
        compiled.append(
            (
                rule,
                compile_formula(
                    rule.formula, rule=rule.code, known=known, functions=FUNCTION_NAMES
                ),
            )
        )
        earlier.add(rule.code)
    return compiled


def _clean_rules(company, raw_rules) -> list[SalaryRule]:
    raw_rules = list(raw_rules or [])
    if not raw_rules:
        raise ValidationFailed(
            "rules: at least one rule", code="validation.required", field="rules"
        )
    if len(raw_rules) > MAX_RULES:
        raise ValidationFailed(f"rules: at most {MAX_RULES}", field="rules")
    rules, codes = [], set()
    for index, raw in enumerate(raw_rules):
        where = f"rules.{index}"
        code = text(raw.get("code"), field=f"{where}.code", max_length=30, required=True)
        if not CODE.match(code):
            raise ValidationFailed(
                f"{where}.code: capital letters, digits and _ (BASIC, PENSION_EE)",
                code="salary_rule.code_invalid",
                field=f"{where}.code",
            )
        if code in codes:
            raise ValidationFailed(
                f"{where}.code: {code} appears twice",
                code="salary_rule.duplicate",
                field=f"{where}.code",
            )
        codes.add(code)
        category = choice(raw.get("category"), RuleCategory, field=f"{where}.category")
        role = raw.get("account_role") or ""
        if role and role not in dict(POSTING_ROLES):
            raise ValidationFailed(
                f"{where}.account_role: one of " + ", ".join(dict(POSTING_ROLES)),
                code="validation.choice",
                field=f"{where}.account_role",
            )
        if category in ROLE_REQUIRED and not role:
            raise ValidationFailed(
                f"{where}.account_role: an employer cost names the payable it owes",
                code="salary_rule.account_role_required",
                field=f"{where}.account_role",
            )
        rules.append(
            SalaryRule(
                company=company,
                sequence=(index + 1) * 10,
                code=code,
                name=text(raw.get("name") or code, field=f"{where}.name", max_length=200),
                category=category,
                formula=text(
                    raw.get("formula"), field=f"{where}.formula", max_length=2000, required=True
                ),
                rounding=choice(
                    raw.get("rounding") or Rounding.FEN, Rounding, field=f"{where}.rounding"
                ),
                account_role=role,
            )
        )
    try:
        compile_rules(rules)
    except FormulaInvalid as error:
        index = [rule.code for rule in rules].index(error.extra["rule"])
        error.field = f"rules.{index}.formula"
        error.errors = [{"field": error.field, "message": error.message}]
        raise
    return rules


@transaction.atomic
def salary_structure_create(*, company, code, name, rules) -> SalaryStructure:
    code = text(code, field="code", max_length=30, required=True)
    if SalaryStructure.objects.filter(company=company, code=code).exists():
        raise Duplicate(
            "A structure with this code exists", code="salary_structure.duplicate", field="code"
        )
    cleaned = _clean_rules(company, rules)
    structure = SalaryStructure.objects.create(
        company=company, code=code, name=text(name, field="name", max_length=200, required=True)
    )
    for rule in cleaned:
        rule.structure = structure
    SalaryRule.objects.bulk_create(cleaned)
    return structure


@transaction.atomic
def salary_structure_update(*, structure, name=UNSET, active=UNSET, rules=UNSET) -> SalaryStructure:
    """Rules are replaced as a whole; payslips keep their own copy of each line."""
    structure = lock(SalaryStructure, [structure.pk])[structure.pk]
    if name is not UNSET:
        structure.name = text(name, field="name", max_length=200, required=True)
    if active is not UNSET:
        structure.active = bool(active)
    if rules is not UNSET:
        cleaned = _clean_rules(structure.company, rules)
        SalaryRule.objects.filter(structure=structure).delete()
        for rule in cleaned:
            rule.structure = structure
        SalaryRule.objects.bulk_create(cleaned)
    structure.save()
    return structure


SI_EE = "social_insurance_withheld"
HF_EE = "housing_fund_withheld"
SI_ER = "social_insurance_payable"
HF_ER = "housing_fund_payable"
TAX = "income_tax_withheld"
DEDUCTIBLE = "PENSION_EE + MEDICAL_EE + UNEMPLOYMENT_EE + HF_EE"

# fmt: off
# code, name, category, formula, rounding, posts to
PRC_RULES = [
    ("BASIC", "基本工资 Basic salary", "gross", "base_salary", "0.01", ""),
    ("OVERTIME", "加班费 Overtime", "gross", "overtime", "0.01", ""),
    ("ALLOWANCE", "奖金津贴 Bonus and allowances", "gross", "bonus + allowance", "0.01", ""),
    ("ANNUAL_BONUS", "全年一次性奖金 Annual bonus", "gross", "annual_bonus", "0.01", ""),
    ("ABSENCE", "扣款 Deductions", "deduction", "deduction", "0.01", ""),
    ("SI_BASE", "社保基数 SI base", "taxable",
     "clamp(social_insurance_base, si_base_floor, si_base_ceiling)", "0.01", ""),
    ("HF_BASE", "公积金基数 HF base", "taxable",
     "clamp(social_insurance_base, hf_base_floor, hf_base_ceiling)", "0.01", ""),
    ("PENSION_EE", "养老保险(个人) Pension", "deduction",
     "si_round(SI_BASE * pension_employee)", "0.01", SI_EE),
    ("MEDICAL_EE", "医疗保险(个人) Medical", "deduction",
     "si_round(SI_BASE * medical_employee) + medical_fixed_employee", "0.01", SI_EE),
    ("UNEMPLOYMENT_EE", "失业保险(个人) Unemployment", "deduction",
     "si_round(SI_BASE * unemployment_employee)", "0.01", SI_EE),
    ("HF_EE", "住房公积金(个人) Housing fund", "deduction",
     "hf_round(HF_BASE * housing_fund_rate)", "0.01", HF_EE),
    ("PENSION_ER", "养老保险(单位) Pension, employer", "employer_cost",
     "si_round(SI_BASE * pension_employer)", "0.01", SI_ER),
    ("MEDICAL_ER", "医疗保险(单位) Medical, employer", "employer_cost",
     "si_round(SI_BASE * medical_employer)", "0.01", SI_ER),
    ("UNEMPLOYMENT_ER", "失业保险(单位) Unemployment, employer", "employer_cost",
     "si_round(SI_BASE * unemployment_employer)", "0.01", SI_ER),
    ("INJURY_ER", "工伤保险(单位) Work injury, employer", "employer_cost",
     "si_round(SI_BASE * injury_employer)", "0.01", SI_ER),
    ("MATERNITY_ER", "生育保险(单位) Maternity, employer", "employer_cost",
     "si_round(SI_BASE * maternity_employer)", "0.01", SI_ER),
    ("HF_ER", "住房公积金(单位) Housing fund, employer", "employer_cost",
     "hf_round(HF_BASE * housing_fund_rate)", "0.01", HF_ER),
    # cumulative withholding (累计预扣法): the year's income and deductions so far
    ("INCOME", "本月收入额 Taxable income", "taxable",
     "BASIC + OVERTIME + ALLOWANCE - ABSENCE + previous_income", "0.01", ""),
    ("TAX_DEDUCTIBLE", "本月扣除 Deductions for tax", "taxable",
     DEDUCTIBLE + " + special_deduction + previous_deductions", "0.01", ""),
    ("CUM_TAXABLE", "累计应纳税所得额 Cumulative taxable", "taxable",
     "max(0, ytd_INCOME + INCOME - 5000 * months_employed"
     " - ytd_TAX_DEDUCTIBLE - TAX_DEDUCTIBLE)", "0.01", ""),
    ("CUM_TAX", "累计应纳税额 Cumulative tax", "taxable", "annual_tax(CUM_TAXABLE)", "0.01", ""),
    ("INCOME_TAX", "个人所得税 Income tax", "tax",
     "max(0, CUM_TAX - ytd_INCOME_TAX - ytd_previous_tax - previous_tax)", "0.01", TAX),
    ("BONUS_TAX", "年终奖个税 Bonus tax", "tax", "bonus_tax(ANNUAL_BONUS)", "0.01", TAX),
    ("NET", "实发工资 Net pay", "net", "total_gross - total_deduction - total_tax", "0.01", ""),
]
GENERIC_RULES = [
    ("BASIC", "Basic salary", "gross", "base_salary", "0.01", ""),
    ("EXTRA", "Bonus, overtime and allowances", "gross",
     "bonus + overtime + allowance + annual_bonus", "0.01", ""),
    ("DEDUCTION", "Deductions", "deduction", "deduction", "0.01", ""),
    ("TAX", "Income tax (flat 10 %)", "tax",
     "max(0, total_gross - total_deduction) * 0.10", "0.01", TAX),
    ("NET", "Net pay", "net", "total_gross - total_deduction - total_tax", "0.01", ""),
]
# fmt: on


def _install(company, code, name, rows) -> SalaryStructure:
    existing = SalaryStructure.objects.filter(company=company, code=code).first()
    if existing is not None:
        return existing
    rules = [
        dict(
            zip(
                ("code", "name", "category", "formula", "rounding", "account_role"),
                row,
                strict=True,
            )
        )
        for row in rows
    ]
    return salary_structure_create(company=company, code=code, name=name, rules=rules)


def salary_structure_install_prc(*, company) -> SalaryStructure:
    """The PRC structure (social insurance, housing fund, cumulative withholding); idempotent."""
    return _install(company, "PRC", "中国工资 PRC payroll", PRC_RULES)


def salary_structure_install_generic(*, company) -> SalaryStructure:
    """Gross, a flat 10 % tax and net, for other countries; idempotent."""
    return _install(company, "GENERIC", "Generic payroll", GENERIC_RULES)
