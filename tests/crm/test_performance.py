from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tandem.core.errors import ValidationFailed
from tandem.core.models import ExchangeRate
from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.models import Opportunity, SalesTarget
from tandem.crm.queries.performance import performance, period_bounds
from tests.factories import UserFactory

D = Decimal
SHANGHAI = ZoneInfo("Asia/Shanghai")


def closed(opp, state, when, reasons=None):
    fields = {"state": state, f"{state}_at": when}
    if state == "lost":
        fields["lost_reason"] = reasons["Too expensive"]
    Opportunity.objects.filter(pk=opp.pk).update(**fields)


def test_period_bounds():
    assert period_bounds("month", date(2026, 12, 15)) == (date(2026, 12, 1), date(2027, 1, 1))
    assert period_bounds("quarter", date(2026, 5, 20)) == (date(2026, 4, 1), date(2026, 7, 1))
    assert period_bounds("quarter", date(2026, 11, 2)) == (date(2026, 10, 1), date(2027, 1, 1))
    assert period_bounds("year", date(2026, 5, 20)) == (date(2026, 1, 1), date(2027, 1, 1))


@pytest.fixture
def board_of_reps(company, rep, reasons, make_opportunity, make_lead):
    sam = UserFactory(username="sam", first_name="Sam")
    membership_grant(user=sam, company=company, roles=["sales"])
    ExchangeRate.objects.create(
        company=company, currency_id="USD", date=date(2026, 1, 1), rate=D("7")
    )
    # Rita: won 1000 CNY on 2 March and 100 USD (= 700) on 31 March 23:30 Shanghai, lost one;
    # a win on 1 April is the next month. Sam: won 500.
    for name, revenue, when, state in (
        ("A", "1000", datetime(2026, 3, 2, 10, tzinfo=SHANGHAI), "won"),
        ("C", "300", datetime(2026, 3, 20, 10, tzinfo=SHANGHAI), "lost"),
        ("D", "9000", datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI), "won"),
    ):
        closed(make_opportunity(name, owner=rep, revenue=revenue), state, when, reasons)
    usd = make_opportunity("B", owner=rep, revenue="100", currency="USD")
    closed(usd, "won", datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI))
    closed(
        make_opportunity("E", owner=sam, revenue="500"),
        "won",
        datetime(2026, 3, 5, 10, tzinfo=SHANGHAI),
    )
    services.target_set(
        company=company, user=rep, period="month", period_start=date(2026, 3, 9), amount="2000"
    )
    services.target_set(
        company=company, user=sam, period="month", period_start=date(2026, 3, 1), amount="1000"
    )
    return rep, sam


def test_won_revenue_against_the_target_per_rep(company, board_of_reps):
    rep, sam = board_of_reps

    report = performance(company, period="month", on=date(2026, 3, 15))

    rows = {r["name"]: r for r in report["rows"]}
    assert [r["name"] for r in report["rows"]] == ["Rita Rep", "Sam"]
    assert (rows["Rita Rep"]["won_count"], rows["Rita Rep"]["won_revenue"]) == (2, D("1700.00"))
    assert (rows["Rita Rep"]["target"], rows["Rita Rep"]["achievement"]) == (
        D("2000.00"),
        D("85.0"),
    )
    assert (rows["Rita Rep"]["opportunities_closed"], rows["Rita Rep"]["win_rate"]) == (
        3,
        D("66.7"),
    )
    assert (rows["Sam"]["won_revenue"], rows["Sam"]["achievement"]) == (D("500.00"), D("50.0"))
    assert report["totals"]["won_revenue"] == D("2200.00")
    assert report["totals"]["achievement"] == D("73.3")
    assert (report["start"], report["end"]) == (date(2026, 3, 1), date(2026, 4, 1))


def test_setting_a_target_again_changes_it_and_bad_input_changes_nothing(company, board_of_reps):
    rep, _sam = board_of_reps

    services.target_set(
        company=company, user=rep, period="month", period_start=date(2026, 3, 31), amount="2500"
    )
    with pytest.raises(ValidationFailed) as neither:
        services.target_set(
            company=company, period="month", period_start=date(2026, 3, 1), amount="1"
        )
    with pytest.raises(ValidationFailed) as negative:
        services.target_set(
            company=company, user=rep, period="month", period_start=date(2026, 3, 1), amount="-5"
        )

    assert (neither.value.field, negative.value.field) == ("user", "amount")
    assert list(SalesTarget.objects.filter(user=rep).values_list("amount", flat=True)) == [
        D("2500.00")
    ]


def test_the_leaderboard_api_and_page(company, board_of_reps, api, web):
    answer = api.get("/reports/sales-performance", {"period": "month", "on": "2026-03-15"})
    page = web.get("/crm/performance/", {"period": "month", "on": "2026-03-15"})
    bad = api.get("/reports/sales-performance", {"period": "week"})

    assert answer.status_code == 200, answer.content
    assert [(r["name"], r["won_revenue"], r["achievement"]) for r in answer.json()["rows"]] == [
        ("Rita Rep", "1700.00", "85.0"),
        ("Sam", "500.00", "50.0"),
    ]
    assert bad.status_code == 422
    html = page.content.decode()
    assert page.status_code == 200 and "85.0%" in html and "<svg" in html
