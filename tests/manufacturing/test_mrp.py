"""MRP on the database: a confirmed sales order for lamps, netted against stock, supplier
minimums, lead times and a reorder rule; planned orders with their pegging; firming makes a
draft purchase or manufacturing order once, and the next run counts those as supply."""

from datetime import timedelta

import pytest

from tandem.catalog.services.pricing import company_today
from tandem.manufacturing import services
from tandem.manufacturing.models import ManufacturingOrder, PlannedOrder
from tandem.parties.models import Party
from tandem.purchasing.models import PurchaseOrder, ReorderRule, SupplierPrice
from tandem.sales import services as sales

from .conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture
def demand(factory, supplier):
    """20 lamps promised in 10 days; WIRE bought from the supplier (5 days, at least 20 m),
    BOLT kept at 50 at least and bought by the 100."""
    company = factory["company"]
    today = company_today(company)
    customer = Party.objects.create(
        company=company, name="Lamp Shop", is_customer=True, currency_id="CNY"
    )
    order = sales.sales_order_create(
        company=company,
        party=customer,
        lines=[{"product": factory["lamp"], "quantity": D(20), "unit_price": D(50)}],
        commitment_date=today + timedelta(10),
    )
    sales.sales_order_confirm(order=order)
    SupplierPrice.objects.create(
        company=company,
        supplier=supplier,
        product=factory["wire"],
        currency_id="CNY",
        price=D("4.50"),
        min_quantity=D(20),
        lead_time_days=5,
    )
    ReorderRule.objects.create(
        company=company,
        product=factory["bolt"],
        warehouse=factory["wh"],
        min_quantity=D(50),
        max_quantity=D(200),
        multiple=D(100),
        supplier=supplier,
    )
    return {**factory, "today": today, "order": order, "supplier": supplier}


def released(company, today, due, days=1, *, bought=False):
    """The release date of a planned order due on `due`: `days` working days earlier for a
    made item, calendar days moved to a working day for a bought one (the company's
    calendar, as MRP counts; the exact dates are in test_mrp_working_days)."""
    from tandem.manufacturing.services.mrp import company_working_days

    calendar = company_working_days(company, today, [], [])
    if bought:
        return calendar.on_or_before(due - timedelta(days))
    return calendar.before(due, days)


def _planned(company):
    return {
        p.product.sku: p
        for p in PlannedOrder.objects.filter(company=company, state="planned").select_related(
            "product"
        )
    }


def test_the_run_plans_what_the_order_needs_less_what_is_there(demand):
    company, today = demand["company"], demand["today"]

    result = services.mrp_run(company=company)

    planned = _planned(company)
    assert result == {
        "planned": 4,
        "purchase": 3,
        "manufacture": 1,
        "late": 0,
        "messages": 0,
        "mode": "regenerative",
        "bucket": "day",
        "items": 5,
        "analytics_forecast": False,
    }
    lamp = planned["LAMP"]
    due = today + timedelta(10)
    start = released(company, today, due)  # one working day before
    assert (lamp.kind, lamp.quantity, lamp.due_date, lamp.release_date) == (
        "manufacture",
        D(20),
        due,
        start,
    )
    assert lamp.bom_id == demand["bom"].pk
    # 20 x 1.5 m of wire = 30 m; 15 m in stock; the supplier sells 20 m at least
    wire = planned["WIRE"]
    assert (wire.kind, wire.quantity, wire.supplier_id) == (
        "purchase",
        D(20),
        demand["supplier"].pk,
    )
    assert (wire.due_date, wire.release_date) == (
        start,
        released(company, today, start, 5, bought=True),
    )
    # the kit is a phantom: its shades and bolts are demanded directly
    assert planned["SHADE"].quantity == D(10)  # 20 - 10 in stock
    # 20 x (4 + 2) = 120 bolts, 100 in stock of which 50 are kept: 70 short, by the 100
    assert planned["BOLT"].quantity == D(100)
    assert "KIT" not in planned
    # pegging: the lamp order serves the sales order line; the wire order the lamp order
    [peg] = lamp.pegging.all()
    assert (peg.demand_kind, peg.demand_id, peg.quantity) == (
        "sales_order_line",
        demand["order"].lines.get().pk,
        D(20),
    )
    assert [(p.demand_kind, p.demand_id, p.quantity) for p in wire.pegging.all()] == [
        ("planned_order", lamp.pk, D(15))
    ]
    bolt_pegs = {p.demand_kind: p.quantity for p in planned["BOLT"].pegging.all()}
    assert bolt_pegs == {"planned_order": D(70)}


def test_firming_makes_the_draft_documents_once_and_the_next_run_nets_them(demand, owner):
    company = demand["company"]
    services.mrp_run(company=company)
    planned = _planned(company)

    wire = services.planned_order_firm(planned=planned["WIRE"], user=owner)
    lamp = services.planned_order_firm(planned=planned["LAMP"], user=owner)

    po = PurchaseOrder.objects.get(pk=wire.purchase_order_id)
    assert (po.state, po.supplier_id) == ("draft", demand["supplier"].pk)
    [line] = po.lines.all()
    assert (line.product_id, line.quantity, line.unit_price) == (
        demand["wire"].pk,
        D(20),
        D("4.50"),
    )
    mo = ManufacturingOrder.objects.get(pk=lamp.manufacturing_order_id)
    assert (mo.state, mo.quantity, mo.bom_id) == ("draft", D(20), demand["bom"].pk)
    from tandem.core.errors import Conflict

    with pytest.raises(Conflict) as twice:
        services.planned_order_firm(planned=planned["WIRE"], user=owner)
    assert twice.value.code == "mrp.already_firmed"
    assert PurchaseOrder.objects.filter(company=company).count() == 1

    # the next run keeps the firmed ones and counts their documents as supply
    services.mrp_run(company=company)
    again = _planned(company)
    assert "LAMP" not in again and "WIRE" not in again
    assert again["SHADE"].quantity == D(10)
    assert [p.demand_kind for p in again["SHADE"].pegging.all()] == ["mo_component"]
    assert PlannedOrder.objects.filter(company=company, state="firmed").count() == 2


def test_the_api_runs_mrp_as_a_job_lists_and_firms(demand, api, django_capture_on_commit_callbacks):
    company = demand["company"]
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/mrp/run")
    assert started.status_code == 202, started.content
    assert api.get(f"/jobs/{started.json()['id']}").json()["state"] == "done"
    listed = api.listed("/mrp/planned-orders", kind="purchase")
    skus = sorted(p["product"] for p in listed["items"])
    assert skus == sorted([demand["wire"].pk, demand["shade"].pk, demand["bolt"].pk])
    wire = next(p for p in listed["items"] if p["product"] == demand["wire"].pk)
    assert wire["pegging"][0]["demand"] == "planned_order"
    assert wire["quantity"] == "20.000000"

    firmed = api.post(f"/mrp/planned-orders/{wire['id']}/firm")
    assert firmed.status_code == 200, firmed.content
    assert firmed.json()["state"] == "firmed"
    assert firmed.json()["purchase_order"] is not None
    again = api.post(f"/mrp/planned-orders/{wire['id']}/firm")
    assert (again.status_code, again.json()["code"]) == (409, "mrp.already_firmed")
    assert PurchaseOrder.objects.filter(company=company).count() == 1
    assert api.get("/mrp/planned-orders/999999").status_code == 404


def test_a_second_run_while_one_is_under_way_is_refused(demand, api):
    from tandem.core.models import Job

    Job.objects.create(company=demand["company"], kind="manufacturing.mrp", state="running")
    refused = api.post("/mrp/run")
    assert (refused.status_code, refused.json()["code"]) == (409, "mrp.running")
    assert not PlannedOrder.objects.filter(company=demand["company"]).exists()


def test_the_mrp_page_runs_lists_and_firms(demand, web, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = web.post("/manufacturing/mrp/run/")
    assert started.status_code == 302
    page = web.get(started["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('action="/manufacturing/mrp/') >= 5  # run + a firm button per order
    wire = PlannedOrder.objects.get(company=demand["company"], product=demand["wire"])
    assert "WIRE" in html and "Lamp Shop" not in html  # the pegging names the order number
    assert str(demand["order"].number) in html

    firmed = web.post(f"/manufacturing/mrp/{wire.pk}/firm/")
    assert firmed.status_code == 302
    wire.refresh_from_db()
    assert wire.state == "firmed" and wire.purchase_order_id is not None
    again = web.post(f"/manufacturing/mrp/{wire.pk}/firm/", follow=True)
    assert "This planned order is firmed already." in again.content.decode()
    assert PurchaseOrder.objects.filter(company=demand["company"]).count() == 1
