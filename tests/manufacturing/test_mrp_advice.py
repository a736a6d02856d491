"""MRP on the database, step 3: the manual forecast as demand (net of the orders dated in
its period), reschedule and cancel messages for open purchase and manufacturing orders,
weekly buckets, and net-change runs that rewrite only what changed (and give the same plan
as a regenerative run)."""

from datetime import timedelta

import pytest

from tandem.core.errors import Conflict, ValidationFailed
from tandem.manufacturing import services
from tandem.manufacturing.models import DemandForecast, MrpMessage, MrpRun, PlannedOrder
from tandem.purchasing.services import purchase_order_create

from .conftest import D
from .test_mrp import _planned, demand, released  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _plan(company):
    return sorted(
        (p.product.sku, p.kind, p.quantity, p.due_date, p.release_date)
        for p in PlannedOrder.objects.filter(company=company, state="planned").select_related(
            "product"
        )
    )


def test_the_forecast_adds_what_the_orders_of_its_period_have_not_taken(demand):  # noqa: F811
    company, today = demand["company"], demand["today"]
    # 30 lamps expected in the period of the order (which takes 20), 5 in a later period
    services.forecast_create(
        company=company,
        product=demand["lamp"],
        date_from=today + timedelta(8),
        date_to=today + timedelta(14),
        quantity=D(30),
    )
    later = services.forecast_create(
        company=company,
        product=demand["lamp"],
        date_from=today + timedelta(20),
        date_to=today + timedelta(26),
        quantity=D(5),
    )
    services.mrp_run(company=company)
    lamps = PlannedOrder.objects.filter(
        company=company, product=demand["lamp"], state="planned"
    ).order_by("due_date")
    assert [(p.quantity, p.due_date) for p in lamps] == [
        (D(10), today + timedelta(8)),  # what the order of day 10 leaves of the 30
        (D(20), today + timedelta(10)),  # the order
        (D(5), today + timedelta(20)),
    ]
    pegs = [[(g.demand_kind, g.quantity) for g in p.pegging.all()] for p in lamps]
    assert pegs == [
        [("forecast", D(10))],
        [("sales_order_line", D(20))],
        [("forecast", D(5))],
    ]
    assert {g.demand_id for g in lamps[2].pegging.all()} == {later.pk}


def test_forecast_refusals_have_their_codes(demand):  # noqa: F811
    company, today = demand["company"], demand["today"]
    with pytest.raises(ValidationFailed) as dates:
        services.forecast_create(
            company=company,
            product=demand["lamp"],
            date_from=today,
            date_to=today - timedelta(1),
            quantity=D(1),
        )
    assert dates.value.code == "mrp.forecast_dates"
    services.forecast_create(
        company=company, product=demand["lamp"], date_from=today, date_to=today, quantity=D(1)
    )
    with pytest.raises(Conflict) as twice:
        services.forecast_create(
            company=company, product=demand["lamp"], date_from=today, date_to=today, quantity=D(2)
        )
    assert twice.value.code == "mrp.forecast_exists"
    assert DemandForecast.objects.filter(company=company).count() == 1


def test_open_orders_get_reschedule_and_cancel_messages(demand, owner):  # noqa: F811
    company, today = demand["company"], demand["today"]
    # wire is needed on day 9 (lamps released): a PO due on day 30 is late, one of shades
    # due on day 2 (before the day-9 need) is early; offcut is not needed at all
    late = purchase_order_create(
        company=company,
        supplier=demand["supplier"],
        lines=[{"product": demand["wire"], "quantity": D(20)}],
        expected_date=today + timedelta(30),
        user=owner,
    )
    early = purchase_order_create(
        company=company,
        supplier=demand["supplier"],
        lines=[{"product": demand["shade"], "quantity": D(10)}],
        expected_date=today + timedelta(2),
        user=owner,
    )
    unused = purchase_order_create(
        company=company,
        supplier=demand["supplier"],
        lines=[{"product": demand["offcut"], "quantity": D(3)}],
        expected_date=today + timedelta(4),
        user=owner,
    )
    result = services.mrp_run(company=company)
    found = {
        m.purchase_order_line.order_id: (m.kind, m.current_date, m.suggested_date, m.quantity)
        for m in MrpMessage.objects.filter(company=company).select_related("purchase_order_line")
    }
    release = released(company, today, today + timedelta(10))
    assert found == {
        late.pk: ("reschedule_in", today + timedelta(30), release, D(20)),
        early.pk: ("reschedule_out", today + timedelta(2), release, D(10)),
        unused.pk: ("cancel", today + timedelta(4), None, D(3)),
    }
    assert result["messages"] == 3
    # the late PO is pulled in rather than bought again; the early one covers the shades
    planned = _planned(company)
    assert "WIRE" not in planned and "SHADE" not in planned


def test_weekly_buckets_through_the_api(demand, api, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/mrp/run", {"bucket": "week"})
    assert started.status_code == 202, started.content
    job = api.get(f"/jobs/{started.json()['id']}").json()
    assert job["state"] == "done" and job["result"]["bucket"] == "week"
    listed = api.listed("/mrp/planned-orders")["items"]
    assert listed and all(
        __import__("datetime").date.fromisoformat(p["due_date"]).weekday() == 0 for p in listed
    )
    bad = api.post("/mrp/run", {"bucket": "month"})
    assert bad.status_code == 422


def test_forecasts_through_the_api(demand, api):  # noqa: F811
    today = demand["today"]
    body = {
        "product": demand["lamp"].pk,
        "date_from": str(today),
        "date_to": str(today + timedelta(6)),
        "quantity": "12",
    }
    made = api.post("/mrp/forecasts", body)
    assert made.status_code == 201, made.content
    assert made.json()["quantity"] == "12.000000"
    again = api.post("/mrp/forecasts", body)
    assert (again.status_code, again.json()["code"]) == (409, "mrp.forecast_exists")
    wrong = api.post(
        "/mrp/forecasts",
        {**body, "date_from": str(today + timedelta(1)), "date_to": str(today)},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (422, "mrp.forecast_dates")
    changed = api.patch(f"/mrp/forecasts/{made.json()['id']}", {"quantity": "7"})
    assert changed.json()["quantity"] == "7.000000"
    assert api.listed("/mrp/forecasts")["count"] == 1
    assert api.delete(f"/mrp/forecasts/{made.json()['id']}").status_code == 204
    assert not DemandForecast.objects.exists()


def test_net_change_rewrites_only_the_changed_items_and_matches_a_full_run(demand):  # noqa: F811
    company, today = demand["company"], demand["today"]
    services.mrp_run(company=company)
    before = {p.product.sku: p.pk for p in PlannedOrder.objects.select_related("product")}
    # more shades are expected: only shades change (a bought item, no components)
    services.forecast_create(
        company=company,
        product=demand["shade"],
        date_from=today + timedelta(3),
        date_to=today + timedelta(5),
        quantity=D(4),
    )
    result = services.mrp_run(company=company, mode="net_change")
    assert (result["mode"], result["items"]) == ("net_change", 1)
    after = {p.product.sku: p.pk for p in PlannedOrder.objects.select_related("product")}
    assert after["WIRE"] == before["WIRE"] and after["LAMP"] == before["LAMP"]
    net = _plan(company)
    pegs = sorted(
        (g.demand_kind, g.demand_id is not None)
        for g in PlannedOrder.objects.get(
            product=demand["shade"],
            due_date=released(company, today, today + timedelta(10)),
        ).pegging.all()
    )
    assert ("planned_order", True) in pegs  # still pointing at the kept lamp order

    # a regenerative run gives the same plan
    services.mrp_run(company=company)
    assert _plan(company) == net
    # a net-change run on another bucket size plans everything again
    assert services.mrp_run(company=company, mode="net_change", bucket="week")["mode"] == (
        "regenerative"
    )
    assert MrpRun.objects.filter(company=company).count() == 4
