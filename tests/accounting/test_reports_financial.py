"""Profit and loss and balance sheet: exact figures on a hand-built PRC ledger, and the
balance sheet identity after random postings and after a year-end close."""

import random
from datetime import date, timedelta

import pytest

from tandem.accounting import services
from tandem.accounting.models import Account, FiscalYear
from tandem.accounting.queries import reports
from tests.accounting.conftest import YEAR, D, cr, dr


@pytest.fixture
def quarter(acct, post, customer):
    """A first quarter: capital, a purchase, sales, cost of sales, expenses, finance costs
    (with an exchange gain), non-operating items and income tax."""
    post([dr(acct["1002"], "100000.00"), cr(acct["4001"], "100000.00")], on=date(YEAR, 1, 3))
    post(
        [dr(acct["1405"], "8000.00"), dr(acct["222101"], "1040.00"), cr(acct["2202"], "9040.00")],
        on=date(YEAR, 1, 10),
        journal="PUR",
    )
    post(
        [
            dr(acct["1122"], "11300.00", party=customer),
            cr(acct["6001"], "10000.00"),
            cr(acct["222102"], "1300.00"),
        ],
        on=date(YEAR, 2, 14),
        journal="SAL",
    )
    post([dr(acct["1002"], "500.00"), cr(acct["6051"], "500.00")], on=date(YEAR, 2, 20))
    post([dr(acct["6401"], "6000.00"), cr(acct["1405"], "6000.00")], on=date(YEAR, 3, 1))
    post(
        [
            dr(acct["6601"], "700.00"),
            dr(acct["6602"], "1200.00"),
            dr(acct["6403"], "130.00"),
            cr(acct["1002"], "2030.00"),
        ],
        on=date(YEAR, 3, 5),
    )
    post(
        [dr(acct["660301"], "150.00"), dr(acct["660302"], "20.00"), cr(acct["1002"], "170.00")],
        on=date(YEAR, 3, 10),
    )
    post([dr(acct["1002"], "30.00"), cr(acct["660303"], "30.00")], on=date(YEAR, 3, 12))
    post([dr(acct["1002"], "200.00"), cr(acct["6301"], "200.00")], on=date(YEAR, 3, 15))
    post([dr(acct["6711"], "80.00"), cr(acct["1002"], "80.00")], on=date(YEAR, 3, 15))
    post([dr(acct["6801"], "600.00"), cr(acct["2241"], "600.00")], on=date(YEAR, 3, 31))


Q1 = {"date_from": date(YEAR, 1, 1), "date_to": date(YEAR, 3, 31)}


def test_profit_and_loss_sections_and_totals(company, quarter):
    # when the first quarter's income statement is asked
    pl = reports.profit_and_loss(company, **Q1)

    # then each section holds its accounts, expenses as debit minus credit
    assert [(r["section"], r["account"], r["depth"], r["amount"]) for r in pl["rows"]] == [
        ("revenue", "6001", 0, D("10000.00")),
        ("revenue", "6051", 0, D("500.00")),
        ("cost_of_sales", "6401", 0, D("6000.00")),
        ("operating_expenses", "6403", 0, D("130.00")),
        ("operating_expenses", "6601", 0, D("700.00")),
        ("operating_expenses", "6602", 0, D("1200.00")),
        ("financial", "6603", 0, D("140.00")),
        ("financial", "660301", 1, D("150.00")),
        ("financial", "660302", 1, D("20.00")),
        ("financial", "660303", 1, D("-30.00")),
        ("other_income", "6301", 0, D("200.00")),
        ("other_expenses", "6711", 0, D("80.00")),
        ("income_tax", "6801", 0, D("600.00")),
    ]
    assert pl["rows"][6]["has_children"] and not pl["rows"][7]["has_children"]
    assert pl["totals"] == {
        "revenue": D("10500.00"),
        "cost_of_sales": D("6000.00"),
        "gross_profit": D("4500.00"),
        "operating_expenses": D("2030.00"),
        "financial": D("140.00"),
        "operating_profit": D("2330.00"),
        "other_income": D("200.00"),
        "other_expenses": D("80.00"),
        "profit_before_tax": D("2450.00"),
        "income_tax": D("600.00"),
        "net_profit": D("1850.00"),
    }


def test_profit_and_loss_compares_two_ranges(company, acct, post, quarter):
    # given an April sale and April rent
    post([dr(acct["1122"], "2000.00"), cr(acct["6001"], "2000.00")], on=date(YEAR, 4, 2))
    post([dr(acct["6602"], "300.00"), cr(acct["1002"], "300.00")], on=date(YEAR, 4, 30))

    # when April is compared with the first quarter
    pl = reports.profit_and_loss(
        company,
        date_from=date(YEAR, 4, 1),
        date_to=date(YEAR, 4, 30),
        compare=(Q1["date_from"], Q1["date_to"]),
    )

    # then accounts with figures in either range show both
    rows = {r["account"]: (r["amount"], r["compare"]) for r in pl["rows"]}
    assert rows["6001"] == (D("2000.00"), D("10000.00"))
    assert rows["6602"] == (D("300.00"), D("1200.00"))
    assert rows["6401"] == (D("0.00"), D("6000.00"))
    assert pl["totals"]["net_profit"] == D("1700.00")
    assert pl["compare_totals"]["net_profit"] == D("1850.00")
    assert pl["compare_from"] == Q1["date_from"]


def test_balance_sheet_shows_the_current_result_in_equity(company, quarter):
    # when the balance sheet at the end of March is asked
    bs = reports.balance_sheet(company, as_of=date(YEAR, 3, 31))

    # then assets, liabilities and equity are exact, the quarter's result in equity
    assert [(r["section"], r["account"], r["depth"], r["amount"]) for r in bs["rows"]] == [
        ("assets", "1002", 0, D("98450.00")),
        ("assets", "1122", 0, D("11300.00")),
        ("assets", "1405", 0, D("2000.00")),
        ("liabilities", "2202", 0, D("9040.00")),
        ("liabilities", "2221", 0, D("260.00")),
        ("liabilities", "222101", 1, D("-1040.00")),
        ("liabilities", "222102", 1, D("1300.00")),
        ("liabilities", "2241", 0, D("600.00")),
        ("equity", "4001", 0, D("100000.00")),
    ]
    assert bs["totals"] == {
        "assets": D("111750.00"),
        "liabilities": D("9900.00"),
        "prior_result": D("0.00"),
        "current_year_result": D("1850.00"),
        "equity": D("101850.00"),
        "liabilities_and_equity": D("111750.00"),
        "difference": D("0.00"),
    }
    assert bs["fiscal_year_start"] == date(YEAR, 1, 1)


def test_year_end_close_moves_the_result_to_retained_earnings(
    company, acct, post, owner, fiscal_year, quarter
):
    # given the year closed and a first posting of the next year
    services.year_end_close(fiscal_year=fiscal_year, user=owner)
    services.fiscal_year_create(company=company, date_start=date(YEAR + 1, 1, 1))
    post([dr(acct["6602"], "50.00"), cr(acct["1002"], "50.00")], on=date(YEAR + 1, 1, 5))

    # then at the year end the result sits in retained earnings, not as a current result
    bs = reports.balance_sheet(company, as_of=date(YEAR, 12, 31))
    equity = {r["account"]: r["amount"] for r in bs["rows"] if r["section"] == "equity"}
    assert equity == {"4001": D("100000.00"), "4104": D("1850.00"), "410401": D("1850.00")}
    assert bs["totals"]["current_year_result"] == D("0.00")
    assert bs["totals"]["assets"] == bs["totals"]["liabilities_and_equity"] == D("111750.00")

    # and the next year's result starts from zero
    later = reports.balance_sheet(company, as_of=date(YEAR + 1, 1, 31))
    assert later["fiscal_year_start"] == date(YEAR + 1, 1, 1)
    assert later["totals"]["current_year_result"] == D("-50.00")
    assert later["totals"]["equity"] == D("101800.00")
    assert later["totals"]["difference"] == D("0.00")

    # and the closed year's income statement still shows its result (closing entry left out)
    pl = reports.profit_and_loss(company, date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))
    assert pl["totals"]["net_profit"] == D("1850.00")
    assert pl["totals"]["revenue"] == D("10500.00")


def test_an_open_earlier_year_shows_as_prior_result(company, acct, post):
    # given 2025 left open with a profit of 400.00
    services.fiscal_year_create(company=company, date_start=date(YEAR - 1, 1, 1))
    post([dr(acct["1002"], "400.00"), cr(acct["6001"], "400.00")], on=date(YEAR - 1, 6, 1))
    post([dr(acct["6602"], "90.00"), cr(acct["1002"], "90.00")], on=date(YEAR, 2, 1))

    bs = reports.balance_sheet(company, as_of=date(YEAR, 2, 28))

    assert bs["totals"]["prior_result"] == D("400.00")
    assert bs["totals"]["current_year_result"] == D("-90.00")
    assert bs["totals"]["assets"] == D("310.00") == bs["totals"]["liabilities_and_equity"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_assets_equal_liabilities_and_equity_after_random_postings(
    company, acct, post, owner, fiscal_year, seed
):
    # given random balanced entries over every account, in 2026 and 2027, 2026 then closed
    rng = random.Random(seed)
    services.fiscal_year_create(company=company, date_start=date(YEAR + 1, 1, 1))
    accounts = list(Account.objects.filter(company=company).order_by("code"))

    def post_random(year):
        for _ in range(15):
            on = date(year, 1, 1) + timedelta(days=rng.randrange(365))
            picked = rng.sample(accounts, rng.randrange(2, 5))
            amounts = [D(rng.randrange(1, 10_000_000)) / 100 for _ in picked[1:]]
            lines = [dr(a, amount) for a, amount in zip(picked[1:], amounts, strict=True)]
            post([*lines, cr(picked[0], sum(amounts))], on=on)

    post_random(YEAR)
    checks = [date(YEAR, 6, 30), date(YEAR, 12, 31)]
    for as_of in checks:
        bs = reports.balance_sheet(company, as_of=as_of)
        pl = reports.profit_and_loss(company, date_from=date(YEAR, 1, 1), date_to=as_of)
        assert bs["totals"]["difference"] == D("0.00")
        assert bs["totals"]["assets"] == bs["totals"]["liabilities_and_equity"]
        assert bs["totals"]["current_year_result"] == pl["totals"]["net_profit"]

    services.year_end_close(fiscal_year=FiscalYear.objects.get(pk=fiscal_year.pk), user=owner)
    post_random(YEAR + 1)
    for as_of in [date(YEAR, 12, 31), date(YEAR + 1, 3, 31), date(YEAR + 1, 12, 31)]:
        bs = reports.balance_sheet(company, as_of=as_of)
        assert bs["totals"]["difference"] == D("0.00"), as_of
        assert bs["totals"]["prior_result"] == D("0.00")
    year_end = reports.balance_sheet(company, as_of=date(YEAR, 12, 31))
    assert year_end["totals"]["current_year_result"] == D("0.00")
