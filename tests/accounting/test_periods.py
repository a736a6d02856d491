from datetime import date

import pytest

from tandem.accounting import queries, services
from tandem.accounting.models import Entry, FiscalYear, Period
from tandem.core.errors import Conflict, ValidationFailed
from tests.accounting.conftest import YEAR, D, cr, dr


def test_close_and_reopen_a_period(company, fiscal_year, owner):
    march = fiscal_year.periods.get(number=3)

    closed = services.period_close(period=march, user=owner)
    assert (closed.state, closed.closed_by) == ("closed", owner)
    assert closed.closed_at is not None
    with pytest.raises(Conflict) as twice:
        services.period_close(period=march)
    assert twice.value.code == "period.closed"

    reopened = services.period_reopen(period=march, user=owner)
    assert (reopened.state, reopened.closed_at, reopened.closed_by) == ("open", None, None)
    with pytest.raises(Conflict) as open_again:
        services.period_reopen(period=march)
    assert open_again.value.code == "period.open"
    assert march.history.count() >= 3  # created, closed, reopened: in the audit trail


def test_a_period_with_drafts_does_not_close(company, acct, journals, fiscal_year):
    services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 3, 31),
        lines=[dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")],
    )
    march = fiscal_year.periods.get(number=3)

    with pytest.raises(Conflict) as refused:
        services.period_close(period=march)

    assert refused.value.code == "period.has_drafts"
    assert refused.value.extra == {"drafts": 1}
    assert Period.objects.get(pk=march.pk).state == "open"


def test_year_end_close_moves_profit_and_loss_to_retained_earnings(
    company, acct, post, fiscal_year, owner
):
    # given a year with sales, costs and a finance cost
    post([dr(acct["1002"], "10000.00"), cr(acct["4001"], "10000.00")], on=date(YEAR, 1, 5))
    post(
        [dr(acct["1122"], "1130.00"), cr(acct["6001"], "1000.00"), cr(acct["222102"], "130.00")],
        journal="SAL",
        on=date(YEAR, 2, 10),
    )
    post([dr(acct["6401"], "600.00"), cr(acct["1405"], "600.00")], on=date(YEAR, 2, 10))
    post([dr(acct["6602"], "250.00"), cr(acct["1002"], "250.00")], on=date(YEAR, 6, 1))
    post([dr(acct["660302"], "0.35"), cr(acct["1002"], "0.35")], on=date(YEAR, 9, 9))
    post([dr(acct["1002"], "20.00"), cr(acct["6301"], "20.00")], on=date(YEAR, 11, 30))
    services.period_close(period=fiscal_year.periods.get(number=1))

    # when the year is closed
    services.year_end_close(fiscal_year=fiscal_year, user=owner)

    # then one closing entry moved the result (1020.00 - 850.35 = 169.65) to 410401
    closing = Entry.objects.get(company=company, closing=True)
    assert closing.date == date(YEAR, 12, 31) and closing.journal.code == "GEN"
    assert list(closing.lines.order_by("id").values_list("account__code", "debit", "credit")) == [
        ("6001", D("1000.00"), D("0.00")),
        ("6301", D("20.00"), D("0.00")),
        ("6401", D("0.00"), D("600.00")),
        ("6602", D("0.00"), D("250.00")),
        ("660302", D("0.00"), D("0.35")),
        ("410401", D("0.00"), D("169.65")),
    ]
    balances = queries.account_balances(company, as_of=date(YEAR, 12, 31))
    by_code = {a.code: balances.get(a.pk, D("0.00")) for a in acct.values()}
    assert all(by_code[a.code] == 0 for a in acct.values() if a.type in ("income", "expense"))
    assert by_code["410401"] == D("-169.65")
    assert by_code["1002"] == D("9769.65")
    tb = queries.trial_balance(company, date_to=date(YEAR, 12, 31))
    assert tb["totals"]["balance"] == D("0.00")
    assert tb["totals"]["closing_debit"] == tb["totals"]["closing_credit"] == D("10899.65")
    # and the year and all its periods are closed
    year = FiscalYear.objects.get(pk=fiscal_year.pk)
    assert (year.state, year.closed_by) == ("closed", owner)
    assert set(Period.objects.filter(fiscal_year=year).values_list("state", flat=True)) == {
        "closed"
    }
    with pytest.raises(Conflict) as reopen:
        services.period_reopen(period=year.periods.get(number=12))
    assert reopen.value.code == "fiscal_year.closed"
    with pytest.raises(Conflict) as again:
        services.year_end_close(fiscal_year=year)
    assert again.value.code == "fiscal_year.closed"


def test_year_end_close_also_clears_current_year_earnings(company, acct, post, fiscal_year):
    post([dr(acct["1002"], "500.00"), cr(acct["6001"], "500.00")], on=date(YEAR, 1, 10))
    # a monthly 结转 to 本年利润 done by hand
    post([dr(acct["6001"], "500.00"), cr(acct["4103"], "500.00")], on=date(YEAR, 1, 31))

    services.year_end_close(fiscal_year=fiscal_year)

    balances = queries.account_balances(company)
    assert balances.get(acct["4103"].pk, D(0)) == 0
    assert balances[acct["410401"].pk] == D("-500.00")


def test_year_end_close_refusals(company, acct, journals, post, fiscal_year):
    next_year = services.fiscal_year_create(company=company)
    with pytest.raises(Conflict) as earlier_open:
        services.year_end_close(fiscal_year=next_year)
    assert earlier_open.value.code == "fiscal_year.previous_open"

    post([dr(acct["1002"], "10.00"), cr(acct["6001"], "10.00")], on=date(YEAR, 1, 10))
    draft = services.entry_create(
        company=company,
        journal=journals["GEN"],
        date=date(YEAR, 7, 1),
        lines=[dr(acct["6602"], "1.00"), cr(acct["1001"], "1.00")],
    )
    with pytest.raises(Conflict) as drafts:
        services.year_end_close(fiscal_year=fiscal_year)
    assert drafts.value.code == "period.has_drafts"
    services.entry_delete(entry=draft)

    services.period_close(period=fiscal_year.periods.get(number=12))
    with pytest.raises(Conflict) as last_closed:
        services.year_end_close(fiscal_year=fiscal_year)
    assert last_closed.value.code == "period.closed"
    services.period_reopen(period=fiscal_year.periods.get(number=12))

    acct["410401"].__class__.objects.filter(pk=acct["410401"].pk).update(role=None)
    with pytest.raises(ValidationFailed) as no_retained:
        services.year_end_close(fiscal_year=fiscal_year)
    assert no_retained.value.code == "account.role_missing"
    assert not Entry.objects.filter(closing=True).exists()
    assert FiscalYear.objects.get(pk=fiscal_year.pk).state == "open"
