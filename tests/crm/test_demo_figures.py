"""Issue 6's done-when: on the demo data, the pipeline forecast and the rep leaderboard show
the figures one gets by adding up the opportunities by hand."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from tandem.core.services import membership_grant
from tandem.crm.models import Opportunity
from tandem.crm.queries.performance import performance
from tandem.crm.queries.pipeline import forecast
from tests.factories import UserFactory

from .test_demo import _load

CENT = Decimal("0.01")


def test_forecast_and_leaderboard_add_up_on_the_demo(company, owner):
    membership_grant(user=UserFactory(username="seller"), company=company, roles=["sales"])
    _load(company, seed=7)
    opportunities = list(Opportunity.objects.filter(company=company))
    assert {o.currency_id for o in opportunities} == {company.currency_id}  # no conversion

    open_ones = [o for o in opportunities if o.state == "open"]
    totals = forecast(company, group_by="month")["totals"]
    assert totals["count"] == len(open_ones) > 0
    assert totals["expected_revenue"] == sum(o.expected_revenue for o in open_ones)
    weighted = sum(o.expected_revenue * o.probability / Decimal(100) for o in open_ones)
    assert totals["weighted_revenue"] == weighted.quantize(CENT)
    by_stage = forecast(company, group_by="stage")["rows"]
    assert sum(row["count"] for row in by_stage) == len(open_ones)

    today = timezone.localdate()
    # the leaderboard's year is the company's local year
    year_start = datetime(today.year, 1, 1, tzinfo=ZoneInfo(company.time_zone))
    won = defaultdict(lambda: [0, Decimal(0)])
    lost = defaultdict(int)
    for o in opportunities:
        if o.state == "won" and o.won_at >= year_start:
            won[o.owner_id][0] += 1
            won[o.owner_id][1] += o.expected_revenue
        if o.state == "lost" and o.lost_at >= year_start:
            lost[o.owner_id] += 1
    board = performance(company, period="year", on=today)
    rows = {row["user"]: row for row in board["rows"]}
    assert sum(count for count, _ in won.values()) >= 3
    for user_id, (count, revenue) in won.items():
        assert (rows[user_id]["won_count"], rows[user_id]["won_revenue"]) == (count, revenue)
        closed = count + lost.get(user_id, 0)
        assert rows[user_id]["opportunities_closed"] == closed
    ranked = [row["won_revenue"] for row in board["rows"]]
    assert ranked == sorted(ranked, reverse=True)
