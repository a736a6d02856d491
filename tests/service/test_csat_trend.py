"""The dashboard's satisfaction trend (issue 16: "CSAT trend"): answers and average rating
per month of the company's zone, the last six months, empty months shown."""

from decimal import Decimal

from tandem.service import queries, services
from tandem.service.models import CsatResponse

from .conftest import at


def _answer(company, rating, when):
    ticket = services.ticket_create(company=company, subject="x", channel="api", body="x")
    CsatResponse.objects.create(company=company, ticket=ticket, rating=rating, answered_at=when)


def test_the_trend_averages_each_month(company, web):
    # Shanghai 1 Dec 00:30 is still November in UTC: it counts in December
    _answer(company, 5, at(2026, 12, 1, 0, 30))
    _answer(company, 2, at(2026, 12, 5, 10, 0))
    _answer(company, 4, at(2026, 10, 31, 23, 30))
    _answer(company, 1, at(2026, 5, 20, 10, 0))  # seven months back: outside
    trend = queries.csat_trend(company=company, now=at(2026, 12, 7, 12, 0))
    assert [t["month"] for t in trend] == [
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    by_month = {t["month"]: (t["answers"], t["average"]) for t in trend}
    assert by_month["2026-12"] == (2, Decimal("3.50"))
    assert by_month["2026-10"] == (1, Decimal("4.00"))
    assert by_month["2026-11"] == (0, None)
    page = web.get("/service/")
    assert page.status_code == 200
    assert b'id="csat-trend"' in page.content
