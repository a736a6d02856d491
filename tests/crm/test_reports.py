"""The pipeline report on fixed data sets, with exact figures."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from tandem.core.services import exchange_rate_set
from tandem.crm import queries, services

D = Decimal


def test_weighted_forecast_of_two_opportunities(company, stages, make_opportunity):
    make_opportunity("A", revenue="10000", stage=stages["Qualified"], close_date=date(2026, 4, 1))
    make_opportunity("B", revenue="50000", stage=stages["Proposal"], close_date=date(2026, 4, 30))

    report = queries.forecast(company, group_by="month")

    assert report["rows"] == [
        {
            "key": "2026-04",
            "label": "2026-04",
            "count": 2,
            "expected_revenue": D("60000.00"),
            "weighted_revenue": D("27000.00"),
            "missing_rate": 0,
        }
    ]
    assert report["totals"] == {
        "count": 2,
        "expected_revenue": D("60000.00"),
        "weighted_revenue": D("27000.00"),
        "missing_rate": 0,
        "currency": "CNY",
    }


@pytest.fixture
def pipeline(company, owner, rep, stages, reasons, make_opportunity):
    """Open: A 10,000 @20% Apr (rep), B 50,000 @50% May (owner), C USD 8,000 @75% Apr (rep,
    rate 7.10), D 3,000 @10% no date, F EUR 1,000 (no rate); won W 99,999 (not forecast)."""
    exchange_rate_set(company=company, currency="USD", on_date=date(2026, 1, 5), rate=D("7.00"))
    exchange_rate_set(company=company, currency="USD", on_date=date(2026, 2, 1), rate=D("7.10"))
    opps = {
        "A": make_opportunity(
            "A", revenue="10000", stage=stages["Qualified"], owner=rep, close_date=date(2026, 4, 3)
        ),
        "B": make_opportunity(
            "B", revenue="50000", stage=stages["Proposal"], owner=owner, close_date=date(2026, 5, 2)
        ),
        "C": make_opportunity(
            "C",
            revenue="8000",
            currency="USD",
            stage=stages["Negotiation"],
            owner=rep,
            close_date=date(2026, 4, 20),
        ),
        "D": make_opportunity("D", revenue="3000"),
        "F": make_opportunity("F", revenue="1000", currency="EUR"),
        "W": make_opportunity("W", revenue="99999", owner=rep, close_date=date(2026, 4, 1)),
    }
    services.opportunity_win(opportunity=opps["W"])
    return opps


def _figures(rows):
    return [
        (r["key"], r["count"], r["expected_revenue"], r["weighted_revenue"], r["missing_rate"])
        for r in rows
    ]


def test_forecast_by_month_converts_currencies(company, pipeline):
    report = queries.forecast(company, group_by="month", on_date=date(2026, 3, 1))

    assert _figures(report["rows"]) == [
        ("2026-04", 2, D("66800.00"), D("44600.00"), 0),
        ("2026-05", 1, D("50000.00"), D("25000.00"), 0),
        (None, 2, D("3000.00"), D("300.00"), 1),
    ]
    assert report["totals"] == {
        "count": 5,
        "expected_revenue": D("119800.00"),
        "weighted_revenue": D("69900.00"),
        "missing_rate": 1,
        "currency": "CNY",
    }


def test_forecast_uses_the_rate_of_the_day(company, pipeline):
    report = queries.forecast(company, group_by="month", on_date=date(2026, 1, 20))

    assert _figures(report["rows"])[0] == ("2026-04", 2, D("66000.00"), D("44000.00"), 0)


def test_forecast_by_owner_and_by_stage(company, owner, rep, stages, pipeline):
    by_owner = queries.forecast(company, group_by="owner", on_date=date(2026, 3, 1))
    by_stage = queries.forecast(company, group_by="stage", on_date=date(2026, 3, 1))

    assert [
        (r["label"], *f) for r, f in zip(by_owner["rows"], _figures(by_owner["rows"]), strict=True)
    ] == [
        ("owner", owner.pk, 1, D("50000.00"), D("25000.00"), 0),
        ("Rita Rep", rep.pk, 2, D("66800.00"), D("44600.00"), 0),
        ("", None, 2, D("3000.00"), D("300.00"), 1),
    ]
    assert [
        (r["label"], *f[1:])
        for r, f in zip(by_stage["rows"], _figures(by_stage["rows"]), strict=True)
    ] == [
        ("New", 2, D("3000.00"), D("300.00"), 1),
        ("Qualified", 1, D("10000.00"), D("2000.00"), 0),
        ("Proposal", 1, D("50000.00"), D("25000.00"), 0),
        ("Negotiation", 1, D("56800.00"), D("42600.00"), 0),
    ]
    assert by_owner["totals"] == by_stage["totals"]


@pytest.fixture
def funnel(company, stages, reasons, make_opportunity):
    """1 stays in New; 2 New>Qualified; 3 New>Qualified>Proposal>Lost; 4 New>Proposal>Won
    after 10 days; 5 starts in Qualified>Negotiation>Won after 20.5 days."""
    o = {n: make_opportunity(f"O{n}") for n in range(1, 5)}
    o[5] = make_opportunity("O5", stage=stages["Qualified"])
    for n, source in ((1, "web_form"), (2, "web_form"), (3, "referral"), (4, "referral")):
        services.opportunity_update(opportunity=o[n], source=source)
    services.opportunity_update(opportunity=o[5], source="web_form")

    def at(n, days):
        return o[n].created_at + timedelta(days=days)

    services.opportunity_move(opportunity=o[2], stage=stages["Qualified"], now=at(2, 1))
    services.opportunity_move(opportunity=o[3], stage=stages["Qualified"], now=at(3, 1))
    services.opportunity_move(opportunity=o[3], stage=stages["Proposal"], now=at(3, 2))
    services.opportunity_lose(opportunity=o[3], reason=reasons["Not a fit"], now=at(3, 3))
    services.opportunity_move(opportunity=o[4], stage=stages["Proposal"], now=at(4, 2))
    services.opportunity_win(opportunity=o[4], now=at(4, 10))
    services.opportunity_move(opportunity=o[5], stage=stages["Negotiation"], now=at(5, 5))
    services.opportunity_win(opportunity=o[5], now=at(5, 20.5))
    return o


def test_conversion_stage_to_stage(company, funnel):
    report = queries.conversion(company)

    assert [
        (r["from_stage_name"], r["to_stage_name"], r["entered"], r["advanced"], r["rate"])
        for r in report["rows"]
    ] == [
        ("New", "Qualified", 5, 4, D("80.00")),
        ("Qualified", "Proposal", 4, 3, D("75.00")),
        ("Proposal", "Negotiation", 3, 2, D("66.67")),
        ("Negotiation", "Won", 2, 2, D("100.00")),
    ]
    assert report["totals"] == {"entered": 5, "won": 2, "rate": D("40.00")}


def test_average_sales_cycle_in_days(company, funnel):
    assert queries.sales_cycle(company) == D("15.25")


def test_no_won_opportunity_has_no_sales_cycle(company, make_opportunity):
    make_opportunity()
    assert queries.sales_cycle(company) is None


def test_win_rate_by_source(company, funnel):
    report = queries.win_rate_by_source(company)

    assert report == {
        "rows": [
            {"source": "referral", "won": 1, "lost": 1, "open": 0, "win_rate": D("50.00")},
            {"source": "web_form", "won": 1, "lost": 0, "open": 2, "win_rate": D("100.00")},
        ],
        "totals": {"won": 2, "lost": 1, "open": 2, "win_rate": D("66.67")},
    }


def test_the_report_over_the_api(api, company, stages, funnel):
    forecast = api.get("/reports/pipeline", {"group_by": "stage"}).json()
    conversion = api.get("/reports/pipeline/conversion").json()
    win_rate = api.get("/reports/pipeline/win-rate").json()

    assert forecast == {
        "group_by": "stage",
        "rows": [
            {
                "key": stages["New"].pk,
                "label": "New",
                "team": "",
                "count": 1,
                "expected_revenue": "1000.00",
                "weighted_revenue": "100.00",
                "missing_rate": 0,
            },
            {
                "key": stages["Qualified"].pk,
                "label": "Qualified",
                "team": "",
                "count": 1,
                "expected_revenue": "1000.00",
                "weighted_revenue": "200.00",
                "missing_rate": 0,
            },
        ],
        "totals": {
            "count": 2,
            "expected_revenue": "2000.00",
            "weighted_revenue": "300.00",
            "missing_rate": 0,
            "currency": "CNY",
            "average_sales_cycle_days": "15.25",
        },
    }
    assert [(r["entered"], r["advanced"], r["rate"]) for r in conversion["rows"]] == [
        (5, 4, "80.00"),
        (4, 3, "75.00"),
        (3, 2, "66.67"),
        (2, 2, "100.00"),
    ]
    assert conversion["totals"] == {
        "entered": 5,
        "won": 2,
        "rate": "40.00",
        "average_sales_cycle_days": "15.25",
    }
    assert win_rate["totals"] == {"won": 2, "lost": 1, "open": 2, "win_rate": "66.67"}


def test_the_api_refuses_an_unknown_grouping(api):
    response = api.get("/reports/pipeline", {"group_by": "planet"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation.invalid"
