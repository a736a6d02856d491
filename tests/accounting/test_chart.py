from datetime import date

import pytest

from tandem.accounting import services
from tandem.accounting.charts import TEMPLATES
from tandem.accounting.models import Account, FiscalYear, Journal, Period
from tandem.core.errors import Conflict, ValidationFailed
from tandem.core.services import company_create


def test_prc_chart_has_the_standard_codes_types_and_roles(company):
    # given a new company
    # when the accountant installs the PRC chart
    result = services.chart_install(company=company, template="prc")

    # then the 企业会计准则 accounts exist with their types, roles and parents
    accounts = {a.code: a for a in Account.objects.filter(company=company)}
    assert result["accounts"] == len(accounts) == len(TEMPLATES["prc"]["accounts"])
    expected = {
        "1001": ("库存现金", "asset", "cash"),
        "1002": ("银行存款", "asset", "bank"),
        "1122": ("应收账款", "asset", "receivable"),
        "1405": ("库存商品", "asset", "inventory"),
        "2202": ("应付账款", "liability", "payable"),
        "220201": ("应付账款-暂估", "liability", "grni"),
        "2221": ("应交税费", "liability", None),
        "222101": ("应交增值税-进项税额", "liability", "tax_receivable"),
        "222102": ("应交增值税-销项税额", "liability", "tax_payable"),
        "222103": ("未交增值税", "liability", None),
        "4103": ("本年利润", "equity", "current_year_earnings"),
        "410401": ("利润分配-未分配利润", "equity", "retained_earnings"),
        "6001": ("主营业务收入", "income", "revenue"),
        "6401": ("主营业务成本", "expense", "cogs"),
        "6602": ("管理费用", "expense", "expense"),
        "660303": ("财务费用-汇兑收益", "expense", "fx_gain"),
        "660304": ("财务费用-汇兑损失", "expense", "fx_loss"),
        "660305": ("财务费用-尾差调整", "expense", "rounding"),
    }
    for code, (name, kind, role) in expected.items():
        account = accounts[code]
        assert (account.name, account.type, account.role) == (name, kind, role), code
    for code in ("1012", "1123", "1221", "1401", "1403", "1601", "1602", "2001", "2203", "2211"):
        assert code in accounts
    for code in ("2241", "4001", "4002", "4101", "4104", "6051", "6111", "6301", "6402"):
        assert code in accounts
    for code in ("6403", "6601", "6603", "6711", "6801"):
        assert code in accounts
    assert accounts["222102"].parent == accounts["2221"]
    assert accounts["660304"].parent == accounts["6603"]
    assert accounts["1122"].name_en == "Accounts receivable" and accounts["1122"].reconcile
    assert all(a.name_en for a in accounts.values())
    # every system role is held
    roles = {a.role for a in accounts.values() if a.role}
    assert roles >= {
        "receivable", "payable", "bank", "cash", "inventory", "grni", "tax_payable",
        "tax_receivable", "retained_earnings", "current_year_earnings", "fx_gain", "fx_loss",
        "rounding", "revenue", "cogs", "expense",
    }  # fmt: skip


def test_install_makes_the_six_journals_and_the_current_year(company):
    services.chart_install(company=company, template="prc")

    journals = {j.code: j for j in Journal.objects.filter(company=company)}
    assert {code: j.kind for code, j in journals.items()} == {
        "SAL": "sales",
        "PUR": "purchase",
        "BNK": "bank",
        "CSH": "cash",
        "GEN": "general",
        "STK": "stock",
    }
    assert journals["SAL"].default_account.code == "6001"
    assert journals["BNK"].default_account.code == "1002"
    assert journals["CSH"].default_account.code == "1001"
    assert journals["STK"].default_account.code == "1405"
    assert journals["GEN"].default_account is None
    today = services.company_today(company)
    year = FiscalYear.objects.get(company=company)
    assert year.date_start == date(today.year, 1, 1)
    assert year.date_end == date(today.year, 12, 31)
    periods = list(year.periods.order_by("number"))
    assert [p.number for p in periods] == list(range(1, 13))
    assert [(p.date_start.month, p.date_start.day) for p in periods] == [
        (m, 1) for m in range(1, 13)
    ]
    assert periods[1].date_end == date(today.year, 2, 28 if today.year % 4 else 29)
    assert all(p.state == "open" for p in periods)


def test_fiscal_year_follows_the_company_start_month(db):
    company = company_create(code="APR", name="April Co", fiscal_year_start_month=4)
    services.chart_install(company=company, template="generic")

    year = FiscalYear.objects.get(company=company)
    today = services.company_today(company)
    assert year.date_start.month == 4 and year.date_start.day == 1
    assert year.date_start <= today <= year.date_end
    assert year.name == f"{year.date_start.year}/{(year.date_start.year + 1) % 100:02d}"
    periods = list(year.periods.order_by("number"))
    assert periods[0].date_start == year.date_start
    assert periods[-1].date_start.month == 3 and periods[-1].date_end == year.date_end


def test_generic_chart_is_english_with_all_roles(company):
    services.chart_install(company=company, template="generic")

    accounts = {a.code: a for a in Account.objects.filter(company=company)}
    assert (accounts["1100"].name, accounts["1100"].role) == ("Accounts receivable", "receivable")
    assert (accounts["2100"].role, accounts["2000"].role) == ("tax_payable", "payable")
    assert accounts["3100"].role == "retained_earnings"
    assert accounts["4200"].type == "income" and accounts["4200"].role == "fx_gain"
    assert {a.role for a in accounts.values() if a.role} >= {"grni", "rounding", "fx_loss"}


def test_a_second_install_is_refused_and_changes_nothing(company):
    services.chart_install(company=company, template="prc")
    counts = (
        Account.objects.count(),
        Journal.objects.count(),
        FiscalYear.objects.count(),
        Period.objects.count(),
    )

    with pytest.raises(Conflict) as refused:
        services.chart_install(company=company, template="generic")

    assert refused.value.code == "chart.installed"
    assert counts == (
        Account.objects.count(),
        Journal.objects.count(),
        FiscalYear.objects.count(),
        Period.objects.count(),
    )


def test_unknown_template_is_refused(company):
    with pytest.raises(ValidationFailed) as refused:
        services.chart_install(company=company, template="us-gaap")
    assert refused.value.code == "chart.template_unknown"
    assert not Account.objects.exists()


def test_install_keeps_an_existing_fiscal_year(company):
    services.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    services.chart_install(company=company, template="prc")
    today = services.company_today(company)
    expected = 1 if today.year == 2026 else 2
    assert FiscalYear.objects.filter(company=company).count() == expected


def test_fiscal_years_follow_each_other_and_never_overlap(company):
    first = services.fiscal_year_create(company=company, date_start=date(2026, 1, 1))
    second = services.fiscal_year_create(company=company)
    assert (second.name, second.date_start, second.date_end) == (
        "2027",
        date(2027, 1, 1),
        date(2027, 12, 31),
    )

    with pytest.raises(Conflict) as overlap:
        services.fiscal_year_create(company=company, date_start=date(2026, 7, 1))
    assert overlap.value.code == "fiscal_year.overlap"
    with pytest.raises(ValidationFailed) as mid_month:
        services.fiscal_year_create(company=company, date_start=date(2028, 1, 15))
    assert mid_month.value.code == "fiscal_year.start_day"
    assert FiscalYear.objects.filter(company=company).count() == 2
    assert Period.objects.filter(fiscal_year=first).count() == 12


def test_account_rules(company):
    services.chart_install(company=company, template="prc")
    parent = Account.objects.get(company=company, code="6602")

    sub = services.account_create(
        company=company, code="660202", name="管理费用-办公费", type="expense", parent=parent
    )
    assert sub.parent == parent

    with pytest.raises(Conflict) as duplicate:
        services.account_create(company=company, code="660202", name="x", type="expense")
    assert duplicate.value.code == "account.duplicate"
    with pytest.raises(ValidationFailed) as wrong_type:
        services.account_create(
            company=company, code="660202", name="x", type="asset", parent=parent
        )
    assert wrong_type.value.code == "account.parent_invalid"
    with pytest.raises(Conflict) as role_taken:
        services.account_create(
            company=company, code="4199", name="x", type="equity", role="retained_earnings"
        )
    assert role_taken.value.code == "account.role_taken"
    with pytest.raises(ValidationFailed) as cycle:
        services.account_update(account=parent, parent=sub, type="expense")
    assert cycle.value.code == "account.parent_invalid"
    # a second bank account may share the role
    bank2 = services.account_create(
        company=company, code="100202", name="银行存款-美元户", type="asset", role="bank"
    )
    assert bank2.role == "bank"
    assert services.account_for_role(company, "bank").code == "1002"
