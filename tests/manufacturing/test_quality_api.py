"""Quality and genealogy endpoints: the figures, the codes, the company scope."""

import pytest

from tandem.core.services import company_create, membership_grant
from tandem.manufacturing import services
from tandem.manufacturing.models import QualityCheck, QualityPoint
from tests.factories import UserFactory

from .test_quality import build, make  # noqa: F401  (the fixture and the helper)

pytestmark = pytest.mark.django_db


def test_a_point_a_failed_measurement_its_alert_a_release_and_the_genealogy(api, build):  # noqa: F811
    b = build
    answer = api.post(
        "/quality-points",
        {
            "name": "Pane thickness",
            "trigger": "production",
            "product": b["pane"].pk,
            "test": "measure",
            "tolerance_min": "3.9",
            "tolerance_max": "4.1",
            "unit": "mm",
        },
    )
    assert answer.status_code == 201, answer.content
    point = answer.json()
    assert (point["test"], point["tolerance_max"], point["every"]) == ("measure", "4.100000", 1)
    mo = make(b["pane_bom"], "2", "P-1")
    checks = api.listed("/quality-checks", manufacturing_order=mo.pk, state="todo")
    assert checks["count"] == 1
    check = checks["items"][0]
    assert (check["point_name"], check["result"], check["holds_lot"]) == (
        "Pane thickness",
        None,
        False,
    )
    path = f"/quality-checks/{check['id']}"
    answer = api.post(path + "/record", {"measured": "3.8", "note": "thin"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["state"], body["result"], body["measured"], body["holds_lot"]) == (
        "fail",
        "fail",
        "3.800000",
        True,
    )
    # recorded twice: 409, unchanged
    answer = api.post(path + "/record", {"measured": "4"})
    assert (answer.status_code, answer.json()["code"]) == (409, "quality_check.recorded")
    # the order cannot be done; the alert is open
    answer = api.post(f"/manufacturing-orders/{mo.pk}/done")
    assert (answer.status_code, answer.json()["code"]) == (409, "quality.check_failed")
    alerts = api.listed("/quality-alerts", state="open")
    assert [a["lot"] for a in alerts["items"]] == [check["lot"]]
    genealogy = api.get(f"/lots/{check['lot']}/genealogy").json()
    assert genealogy["held"] is True
    assert [(n["name"], n["quantity"]) for n in genealogy["components"]] == [("G-1", "4.000000")]
    assert genealogy["where_used"] == []
    # released: not held, the order completes, the alert is closed by hand
    answer = api.post(path + "/release", {"note": "accepted by QA"})
    assert answer.json()["holds_lot"] is False
    assert api.post(path + "/release").json()["code"] == "quality_check.not_held"
    assert api.post(f"/manufacturing-orders/{mo.pk}/done").json()["state"] == "done"
    alert = alerts["items"][0]
    assert api.post(f"/quality-alerts/{alert['id']}/close").json()["state"] == "closed"
    answer = api.post(f"/quality-alerts/{alert['id']}/close")
    assert (answer.status_code, answer.json()["code"]) == (409, "quality_alert.closed")


def test_bad_points_and_records_are_refused_with_nothing_written(api, build):  # noqa: F811
    b = build
    answer = api.post(
        "/quality-points",
        {"name": "T", "trigger": "production", "product": b["pane"].pk, "test": "measure"},
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "quality.tolerance")
    answer = api.post("/quality-points", {"name": "T", "trigger": "receipt", "product": 10**9})
    assert answer.status_code == 422
    assert not QualityPoint.objects.exists()
    point = api.post(
        "/quality-points", {"name": "Look", "trigger": "production", "product": b["pane"].pk}
    ).json()
    answer = api.patch(f"/quality-points/{point['id']}", {"every": 3, "mandatory": False})
    assert (answer.json()["every"], answer.json()["mandatory"]) == (3, False)
    mo = make(b["pane_bom"], "1", "P-1")
    check = QualityCheck.objects.get(mo=mo)
    answer = api.post(f"/quality-checks/{check.pk}/record", {})
    assert (answer.status_code, answer.json()["code"]) == (422, "quality.result")
    check.refresh_from_db()
    assert check.state == "todo"


def test_readers_and_other_companies_cannot_act(api_as, build, books):  # noqa: F811
    b = build
    point = services.quality_point_create(
        company=books, name="Look", trigger="production", product=b["pane"]
    )
    check = make(b["pane_bom"], "1", "P-1").quality_checks.get()
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=books, roles=["readonly"])
    client = api_as(reader, books)
    assert client.get(f"/quality-points/{point.pk}").status_code == 200
    assert client.post(f"/quality-checks/{check.pk}/record", {"result": "pass"}).status_code == 403
    other = company_create(code="ZED", name="Zed", currency="CNY", country="CN")
    stranger = UserFactory(username="stranger")
    membership_grant(user=stranger, company=other, roles=["owner"])
    client = api_as(stranger, other)
    assert client.get(f"/quality-points/{point.pk}").status_code == 404
    answer = client.post(f"/quality-checks/{check.pk}/record", {"result": "fail"})
    assert (answer.status_code, answer.json()["code"]) == (404, "quality_check.not_found")
    assert client.get(f"/lots/{check.lot_id}/genealogy").status_code == 404
    check.refresh_from_db()
    assert check.state == "todo"
