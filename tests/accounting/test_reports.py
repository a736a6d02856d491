from datetime import date

from tandem.accounting import queries
from tests.accounting.conftest import YEAR, D, cr, dr


def test_trial_balance_splits_opening_range_and_closing(company, acct, post, customer):
    # given postings in January, February and March
    post([dr(acct["1002"], "5000.00"), cr(acct["4001"], "5000.00")], on=date(YEAR, 1, 3))
    post(
        [
            dr(acct["1122"], "1186.50", party=customer),
            cr(acct["6001"], "1050.00"),
            cr(acct["222102"], "136.50"),
        ],
        journal="SAL",
        on=date(YEAR, 2, 14),
    )
    post(
        [dr(acct["1002"], "1000.00"), cr(acct["1122"], "1000.00", party=customer)],
        on=date(YEAR, 2, 20),
    )
    post(
        [dr(acct["1002"], "186.50"), cr(acct["1122"], "186.50", party=customer)],
        on=date(YEAR, 3, 2),
    )

    # when the trial balance of February and March is asked
    tb = queries.trial_balance(company, date_from=date(YEAR, 2, 1), date_to=date(YEAR, 3, 31))

    # then January is the opening balance, and the range shows its own movements
    rows = {r["account"]: r for r in tb["rows"]}
    assert list(rows) == ["1002", "1122", "222102", "4001", "6001"]
    bank = rows["1002"]
    assert (bank["opening_debit"], bank["debit"], bank["credit"], bank["closing_debit"]) == (
        D("5000.00"),
        D("1186.50"),
        D("0.00"),
        D("6186.50"),
    )
    receivable = rows["1122"]
    assert (receivable["debit"], receivable["credit"], receivable["balance"]) == (
        D("1186.50"),
        D("1186.50"),
        D("0.00"),
    )
    assert rows["4001"]["opening_credit"] == D("5000.00") and rows["4001"]["debit"] == 0
    assert rows["4001"]["name"] == "实收资本" and rows["4001"]["name_en"] == "Paid-in capital"
    assert tb["totals"] == {
        "opening_debit": D("5000.00"),
        "opening_credit": D("5000.00"),
        "debit": D("2373.00"),
        "credit": D("2373.00"),
        "closing_debit": D("6186.50"),
        "closing_credit": D("6186.50"),
        "opening_balance": D("0.00"),
        "balance": D("0.00"),
    }


def test_sums_are_exact_to_the_cent(company, acct, post):
    # 0.10 + 0.20 is 0.30000000000000004 in binary floats, which SQLite's SUM adds
    for _ in range(10):
        post([dr(acct["6602"], "0.10"), dr(acct["6601"], "0.20"), cr(acct["1001"], "0.30")])
    for _ in range(3):
        post([dr(acct["6602"], "12345678901.01"), cr(acct["1002"], "12345678901.01")])

    tb = queries.trial_balance(company, date_to=date(YEAR, 12, 31))

    rows = {r["account"]: r for r in tb["rows"]}
    assert rows["1001"]["credit"] == D("3.00")
    assert rows["6602"]["debit"] == D("37037036704.03")
    assert tb["totals"]["debit"] == tb["totals"]["credit"] == D("37037036706.03")
    assert queries.balance_of(company, acct["6601"]) == D("2.00")


def test_general_ledger_runs_the_balance_from_the_opening(company, acct, post, customer):
    post(
        [dr(acct["1122"], "300.00", party=customer), cr(acct["6001"], "300.00")],
        on=date(YEAR, 1, 9),
    )
    post([dr(acct["1122"], "200.00"), cr(acct["6001"], "200.00")], on=date(YEAR, 2, 1))
    post(
        [dr(acct["1002"], "120.00"), cr(acct["1122"], "120.00", party=customer)],
        on=date(YEAR, 2, 5),
    )
    post(
        [dr(acct["1122"], "80.00", party=customer), cr(acct["6001"], "80.00")], on=date(YEAR, 2, 5)
    )

    gl = queries.general_ledger(
        company,
        accounts=[acct["1122"].pk],
        date_from=date(YEAR, 2, 1),
        date_to=date(YEAR, 2, 28),
        limit=50,
    )

    assert gl["accounts"] == [
        {
            "account_id": acct["1122"].pk,
            "account": "1122",
            "name": "应收账款",
            "name_en": "Accounts receivable",
            "opening_balance": D("300.00"),
            "debit": D("280.00"),
            "credit": D("120.00"),
            "balance": D("460.00"),
            "lines": 3,
        }
    ]
    assert [(r["date"], r["debit"], r["credit"], r["balance"]) for r in gl["rows"]] == [
        (date(YEAR, 2, 1), D("200.00"), D("0.00"), D("500.00")),
        (date(YEAR, 2, 5), D("0.00"), D("120.00"), D("380.00")),
        (date(YEAR, 2, 5), D("80.00"), D("0.00"), D("460.00")),
    ]
    assert gl["count"] == 3
    assert gl["totals"] == {
        "opening_balance": D("300.00"),
        "debit": D("280.00"),
        "credit": D("120.00"),
        "balance": D("460.00"),
    }

    # a page keeps the running balance of the whole ledger
    page = queries.general_ledger(
        company, accounts=[acct["1122"].pk], date_from=date(YEAR, 2, 1), limit=1, offset=2
    )
    assert [(r["balance"]) for r in page["rows"]] == [D("460.00")]

    # the party's sub-ledger
    theirs = queries.general_ledger(company, accounts=[acct["1122"].pk], party=customer.pk)
    rows = list(theirs["rows"])  # without a limit: every line, as a generator
    assert [r["balance"] for r in rows] == [D("300.00"), D("180.00"), D("260.00")]
    assert rows[0]["party_name"] == "Beijing Customer"


def test_drafts_never_count(company, acct, journals):
    from tandem.accounting import services

    services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 3),
        lines=[dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")],
    )
    tb = queries.trial_balance(company, date_to=date(YEAR, 12, 31))
    assert tb["rows"] == [] and tb["totals"]["debit"] == D("0.00")
    assert queries.account_balances(company) == {}


def test_reports_of_one_company_never_show_another(company, other_company, acct, post):
    from tandem.accounting import services

    post([dr(acct["6602"], "10.00"), cr(acct["1001"], "10.00")])
    services.chart_install(company=other_company, template="generic")
    assert queries.trial_balance(other_company, date_to=date(YEAR, 12, 31))["rows"] == []
    assert list(queries.general_ledger(other_company)["rows"]) == []
