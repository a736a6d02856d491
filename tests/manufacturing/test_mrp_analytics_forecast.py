"""The analytics demand forecast feeds MRP when the run asks for it: each week's demand is
max(forecast, orders due that week), pegged as `forecast`; off by default."""

from datetime import timedelta

import pytest

from tandem.analytics.models import Forecast, ModelRun
from tandem.catalog.services.pricing import company_today
from tandem.manufacturing import services
from tandem.manufacturing.models import PlannedOrder
from tandem.manufacturing.mrp import bucket_start
from tandem.parties.models import Party
from tandem.sales import services as sales

from .conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def forecast(factory):
    """Lamps forecast 30 next week, 5 the week after, 8 last week (past: ignored); an order
    of 20 lamps due on next week's Wednesday."""
    company, lamp = factory["company"], factory["lamp"]
    today = company_today(company)
    monday = bucket_start(today, "week")
    week1, week2 = monday + timedelta(7), monday + timedelta(14)
    run = ModelRun.objects.create(company=company, name="demand_forecast", state="active")
    rows = {}
    for week, qty in ((monday - timedelta(7), 8), (week1, 30), (week2, 5)):
        rows[week] = Forecast.objects.create(
            company=company,
            run=run,
            product=lamp,
            period=week,
            forecast=D(qty),
            lower=D(0),
            upper=D(qty),
            method="ets",
        )
    customer = Party.objects.create(
        company=company, name="Lamp Shop", is_customer=True, currency_id="CNY"
    )
    order = sales.sales_order_create(
        company=company,
        party=customer,
        lines=[{"product": lamp, "quantity": D(20), "unit_price": D(50)}],
        commitment_date=week1 + timedelta(2),
    )
    order = sales.sales_order_confirm(order=order)
    return {**factory, "today": today, "week1": week1, "week2": week2, "rows": rows,
            "line": order.lines.get(), "number": order.number}  # fmt: skip


def _lamps(company, lamp):
    return [
        (p.quantity, p.due_date, [(g.demand_kind, g.demand_id, g.label, g.quantity)
                                  for g in p.pegging.all()])
        for p in PlannedOrder.objects.filter(company=company, product=lamp).order_by("due_date")
    ]  # fmt: skip


def test_the_forecast_adds_what_the_orders_of_its_week_do_not_take(forecast):
    f = forecast
    company, lamp, week1, week2 = f["company"], f["lamp"], f["week1"], f["week2"]

    result = services.mrp_run(company=company, analytics_forecast=True)

    assert result["analytics_forecast"] is True
    assert _lamps(company, lamp) == [
        # 30 forecast, 20 ordered that week: 10 more, from the week's Monday
        (D(10), week1, [("forecast", f["rows"][week1].pk,
                         f"Forecast, week of {week1.isoformat()}", D(10))]),
        (D(20), week1 + timedelta(2),
         [("sales_order_line", f["line"].pk, f["number"], D(20))]),
        # no order in the second week: the whole forecast
        (D(5), week2, [("forecast", f["rows"][week2].pk,
                        f"Forecast, week of {week2.isoformat()}", D(5))]),
    ]  # fmt: skip


def test_without_the_option_only_the_orders_count(forecast):
    f = forecast
    result = services.mrp_run(company=f["company"])
    assert result["analytics_forecast"] is False
    assert [(q, d) for q, d, _p in _lamps(f["company"], f["lamp"])] == [
        (D(20), f["week1"] + timedelta(2))
    ]


def test_orders_beyond_the_forecast_leave_nothing_of_it(forecast):
    f = forecast
    customer = Party.objects.get(company=f["company"], name="Lamp Shop")
    more = sales.sales_order_create(
        company=f["company"],
        party=customer,
        lines=[{"product": f["lamp"], "quantity": D(12), "unit_price": D(50)}],
        commitment_date=f["week1"] + timedelta(4),
    )
    sales.sales_order_confirm(order=more)
    services.mrp_run(company=f["company"], analytics_forecast=True)
    kinds = [(q, [g[0] for g in pegs]) for q, _d, pegs in _lamps(f["company"], f["lamp"])]
    # 32 ordered in the first week >= 30 forecast: only the orders; the second week's 5
    assert kinds == [
        (D(20), ["sales_order_line"]),
        (D(12), ["sales_order_line"]),
        (D(5), ["forecast"]),
    ]


def test_a_manual_forecast_of_the_week_wins(forecast):
    f = forecast
    services.forecast_create(
        company=f["company"],
        product=f["lamp"],
        date_from=f["week2"],
        date_to=f["week2"] + timedelta(6),
        quantity=D(7),
    )
    services.mrp_run(company=f["company"], analytics_forecast=True)
    second = [
        (q, [g[2] for g in pegs])
        for q, d, pegs in _lamps(f["company"], f["lamp"])
        if d >= f["week2"]
    ]
    assert second == [(D(7), ["Forecast"])]


def test_the_api_flag_and_the_page_checkbox_run_with_the_forecast(
    forecast, api, web, django_capture_on_commit_callbacks
):
    f = forecast
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/mrp/run", {"analytics_forecast": True})
    assert started.status_code == 202, started.content
    assert api.get(f"/jobs/{started.json()['id']}").json()["result"]["analytics_forecast"]
    assert len(_lamps(f["company"], f["lamp"])) == 3
    page = web.get("/manufacturing/mrp/").content.decode()
    assert 'name="analytics_forecast"' in page
    assert f"Forecast, week of {f['week2'].isoformat()}" in page
    # the page's form without the box ticked: orders only
    with django_capture_on_commit_callbacks(execute=True):
        posted = web.post("/manufacturing/mrp/run/", {"bucket": "day", "mode": "regenerative"})
    assert posted.status_code == 302
    assert len(_lamps(f["company"], f["lamp"])) == 1
    with django_capture_on_commit_callbacks(execute=True):
        web.post("/manufacturing/mrp/run/", {"bucket": "day", "analytics_forecast": "on"})
    assert len(_lamps(f["company"], f["lamp"])) == 3
