"""Quality alerts (N complaints on one lot within a window) and the complaints Pareto by
product, lot and supplier."""

from datetime import timedelta

from django.utils import timezone

from tandem.service import services
from tandem.service.models import QualityAlert


def complain(company, party, world, when, code="NOISE"):
    return services.ticket_create(
        company=company,
        subject="Noise",
        channel="phone",
        party=party,
        product=world["product"],
        lot=world["lot"],
        defect_code=code,
        now=when,
    )


def test_three_complaints_in_a_week_raise_one_alert(
    company,
    lot_world,
    owner,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    owner.email = "qa@acme.test"
    owner.save()
    services.quality_alert_rule_set(company=company, threshold=3, window_days=7, notify=owner)
    alpha, beta, gamma = lot_world["customers"]
    now = timezone.now()
    # an old complaint is outside the window
    complain(company, alpha, lot_world, now - timedelta(days=10))
    complain(company, alpha, lot_world, now - timedelta(days=2))
    complain(company, beta, lot_world, now - timedelta(days=1))
    assert not QualityAlert.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        complain(company, gamma, lot_world, now)
    alert = QualityAlert.objects.get()
    assert (alert.lot, alert.complaints) == (lot_world["lot"], 3)
    assert mailoutbox[-1].to == ["qa@acme.test"]
    # a fourth complaint in the same window raises nothing more
    complain(company, gamma, lot_world, now + timedelta(minutes=5))
    assert QualityAlert.objects.count() == 1
    # a ticket without a defect code is no complaint
    services.ticket_create(
        company=company, subject="Manual?", channel="phone", lot=lot_world["lot"]
    )
    assert QualityAlert.objects.count() == 1


def test_pareto_by_product_lot_and_supplier(company, lot_world, api, web):
    alpha, beta, _gamma = lot_world["customers"]
    now = timezone.now()
    complain(company, alpha, lot_world, now)
    complain(company, beta, lot_world, now)
    services.ticket_create(company=company, subject="Other", channel="phone", defect_code="X")
    by_supplier = api.get("/reports/service/complaints", {"by": "supplier"}).json()
    assert by_supplier["rows"] == [
        {
            "key": lot_world["supplier"].pk,
            "name": "Cold Parts Ltd",
            "complaints": 2,
            "share": "1.0000",
            "cumulative": "1.0000",
        }
    ]
    by_lot = api.get("/reports/service/complaints", {"by": "lot"}).json()
    assert [(r["name"], r["complaints"]) for r in by_lot["rows"]] == [("L-42", 2)]
    assert api.get("/reports/service/complaints", {"by": "x"}).status_code == 422
    page = web.get("/service/quality/pareto/?by=product")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Freezer" in html and "<svg" in html


def test_alert_rule_api(company, api, owner):
    response = api.post("/quality-issues/alert-rule", {"threshold": 1, "window_days": 7})
    assert response.status_code == 422
    response = api.post(
        "/quality-issues/alert-rule", {"threshold": 4, "window_days": 14, "notify": owner.pk}
    )
    assert response.status_code == 200
    assert response.json() == {
        "threshold": 4,
        "window_days": 14,
        "notify": owner.pk,
        "active": True,
    }
    assert api.get("/quality-issues/alerts").json() == []
