"""The manufacturing endpoints per API.md: figures, codes, permissions, company scope."""

import pytest

from tandem.core.services import company_create, membership_grant
from tandem.manufacturing.models import Bom, ManufacturingOrder
from tests.factories import UserFactory

from .conftest import uom

pytestmark = pytest.mark.django_db


def test_work_centres_and_a_bom_are_made_explored_and_costed(api, factory):
    f = factory
    answer = api.post(
        "/work-centers",
        {"code": "pnt", "name": "Paint", "cost_per_hour": "18", "overhead_per_hour": "6"},
    )
    assert answer.status_code == 201, answer.content
    paint = answer.json()
    assert (paint["code"], paint["cost_per_hour"]) == ("PNT", "18.000000")
    assert api.listed("/work-centers")["count"] == 2
    answer = api.patch(f"/work-centers/{paint['id']}", {"efficiency": "80"})
    assert answer.json()["efficiency"] == "80.000"
    answer = api.post(
        "/boms",
        {
            "product": f["lamp"].pk,
            "lines": [
                {"product": f["wire"].pk, "quantity": "150", "uom": uom(f["company"], "cm").pk},
                {"product": f["kit"].pk, "quantity": "1", "kind": "phantom"},
            ],
            "operations": [{"work_center": paint["id"], "minutes": "12"}],
        },
    )
    assert answer.status_code == 201, answer.content
    bom = answer.json()
    assert bom["version"] == 2
    exploded = api.get(f"/boms/{bom['id']}/explode", {"quantity": "2"}).json()
    assert [(r["level"], r["sku"], r["quantity"]) for r in exploded["rows"]] == [
        (1, "WIRE", "3.000000"),
        (1, "KIT", "2.000000"),
        (2, "SHADE", "2.000000"),
        (2, "BOLT", "8.000000"),
    ]
    # 3 m of wire at 70.00/15 m = 14.00, 2 shades 16.00 + 8 bolts 2.40; 24 minutes at
    # 80 % efficiency = 0.5 h at 24.00 = 12.00
    cost = api.get(f"/boms/{bom['id']}/cost", {"quantity": "2"}).json()
    assert (cost["materials"], cost["operations_total"], cost["total"]) == (
        "32.40",
        "12.00",
        "44.40",
    )
    assert cost["unit_cost"] == "22.200000"


def test_an_order_through_the_api_from_draft_to_done(api, factory):
    f = factory
    answer = api.post("/manufacturing-orders", {"bom": f["bom"].pk, "quantity": "2"})
    assert answer.status_code == 201, answer.content
    mo = answer.json()
    assert (mo["state"], mo["number"][:3]) == ("draft", "MO/")
    assert {c["quantity"] for c in mo["components"]} == {"3.000000", "12.000000", "2.000000"}
    path = f"/manufacturing-orders/{mo['id']}"
    assert api.post(path + "/confirm").json()["state"] == "confirmed"
    assert api.post(path + "/assign").json()["shortfalls"] == []
    answer = api.post(path + "/work-logs", {"minutes": "30", "work_center": f["asm"].pk})
    assert answer.json()["cost"]["wip"] == "21.00"
    answer = api.post(path + "/scrap", {"product": f["bolt"].pk, "quantity": "2", "reason": "bent"})
    assert answer.status_code == 200, answer.content
    # 3 m wire 12.00 + 12 bolts 3.60 + 2 shades 16.00 = 31.60, plus 21.00 of time
    answer = api.post(path + "/produce", {"quantity": "2"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["cost"] == {
        "materials": "31.60",
        "labour": "15.00",
        "overhead": "6.00",
        "total": "52.60",
        "wip": "0.00",
    }
    assert [(o["quantity_produced"], o["value"]) for o in body["outputs"]] == [
        ("2.000000", "47.34"),
        ("0.200000", "5.26"),
    ]
    done = api.post(path + "/done").json()
    assert done["state"] == "done"
    assert len(done["entries"]) == 4  # time, scrap, components, outputs
    answer = api.post(path + "/cancel")
    assert (answer.status_code, answer.json()["code"]) == (409, "manufacturing_order.done")


def test_bad_input_answers_its_code_and_writes_nothing(api, factory):
    f = factory
    before = Bom.objects.count()
    answer = api.post(
        "/boms",
        {"product": f["shade"].pk, "lines": [{"product": f["lamp"].pk, "quantity": "1"}]},
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "bom.cycle")
    answer = api.post(
        "/boms",
        {
            "product": f["lamp"].pk,
            "lines": [{"product": f["bolt"].pk, "quantity": "1", "uom": uom(f["company"], "m").pk}],
        },
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "bom.uom_category")
    answer = api.post(
        "/boms",
        {
            "product": f["lamp"].pk,
            "quantity": "0",
            "lines": [{"product": f["bolt"].pk, "quantity": "1"}],
        },
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "validation.min_value")
    assert Bom.objects.count() == before
    mo = api.post("/manufacturing-orders", {"bom": f["bom"].pk, "quantity": "1"}).json()
    api.post(f"/manufacturing-orders/{mo['id']}/confirm")
    answer = api.post(f"/manufacturing-orders/{mo['id']}/produce", {"quantity": "abc"})
    assert answer.status_code == 422
    answer = api.post(
        "/manufacturing-orders", {"bom": f["bom"].pk, "quantity": "1", "sales_order": 999999}
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "reference.invalid")
    assert ManufacturingOrder.objects.count() == 1


def test_overproduction_needs_the_permission_and_other_companies_rows_do_not_exist(api_as, factory):
    f = factory
    planner = UserFactory(username="planner")
    membership_grant(user=planner, company=f["company"], roles=["production"])
    client = api_as(planner, f["company"])
    mo = client.post("/manufacturing-orders", {"bom": f["bom"].pk, "quantity": "1"}).json()
    client.post(f"/manufacturing-orders/{mo['id']}/confirm")
    answer = client.post(f"/manufacturing-orders/{mo['id']}/produce", {"quantity": "2"})
    assert (answer.status_code, answer.json()["code"]) == (
        403,
        "manufacturing_order.overproduction",
    )
    assert ManufacturingOrder.objects.get(pk=mo["id"]).quantity_produced == 0
    # a read-only user sees but cannot act
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=f["company"], roles=["readonly"])
    answer = api_as(reader, f["company"]).post(f"/manufacturing-orders/{mo['id']}/cancel")
    assert answer.status_code == 403
    # another company's user gets 404 for this order and 422 for this BOM
    other = company_create(code="ZED", name="Zed", currency="CNY", country="CN")
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other, roles=["owner"])
    client = api_as(stranger, other)
    assert client.get(f"/manufacturing-orders/{mo['id']}").status_code == 404
    answer = client.post("/manufacturing-orders", {"bom": f["bom"].pk, "quantity": "1"})
    assert (answer.status_code, answer.json()["code"]) == (422, "reference.invalid")
