"""The quality page, the order's checks and a lot's genealogy page, through the views."""

import pytest
from django.urls import reverse

from tandem.manufacturing.models import QualityAlert, QualityCheck, QualityPoint

from .test_quality import build, lot, make  # noqa: F401  (the fixture and helpers)

pytestmark = pytest.mark.django_db


def test_a_point_made_on_the_page_checks_an_order_that_fails_and_is_released(web, build):  # noqa: F811
    b = build
    page = reverse("manufacturing:quality")
    assert web.get(page).status_code == 200
    data = {
        "name": "Thickness",
        "trigger": "production",
        "product": b["pane"].pk,
        "test": "measure",
        "tolerance_min": "3.9",
        "tolerance_max": "3.8",
        "unit": "mm",
        "mandatory": "on",
        "every": "1",
    }
    create = reverse("manufacturing:quality_point_create")
    answer = web.post(create, data)
    assert answer.status_code == 422  # refused beside the field, nothing saved
    assert not QualityPoint.objects.exists()
    assert web.post(create, {**data, "tolerance_max": "4.1"}).status_code == 302
    mo = make(b["pane_bom"], "2", "P-1")
    order_page = reverse("manufacturing:order_detail", args=[mo.pk])
    html = web.get(order_page).content.decode()
    assert 'id="order-checks"' in html and "Thickness" in html and 'id="lots-made"' in html
    check = QualityCheck.objects.get()
    record = reverse("manufacturing:quality_check_record", args=[check.pk])
    answer = web.post(record, {"measure": "4.3", "note": "thick", "next": order_page})
    assert (answer.status_code, answer["Location"]) == (302, order_page)
    check.refresh_from_db()
    assert (check.state, check.holds) == ("fail", True)
    assert QualityAlert.objects.get().state == "open"
    html = web.get(page).content.decode()
    assert "Lot held" in html and "Thickness: PANE P-1 failed" in html
    lot_page = web.get(reverse("manufacturing:lot_detail", args=[check.lot_id])).content.decode()
    assert 'id="lot-held"' in lot_page and "G-1" in lot_page
    # completing from the order page is refused with the reason shown
    answer = web.post(reverse("manufacturing:order_action", args=[mo.pk, "done"]), follow=True)
    assert "failed" in answer.content.decode()
    mo.refresh_from_db()
    assert mo.state == "in_progress"
    release = reverse("manufacturing:quality_check_release", args=[check.pk])
    assert web.post(release, {"next": "https://evil.example/"})["Location"] == page
    check.refresh_from_db()
    assert check.released_at is not None
    alert = QualityAlert.objects.get()
    web.post(reverse("manufacturing:quality_alert_close", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.state == "closed"
    web.post(reverse("manufacturing:order_action", args=[mo.pk, "done"]))
    mo.refresh_from_db()
    assert mo.state == "done"


def test_an_alert_is_raised_by_hand(web, build):  # noqa: F811
    b = build
    url = reverse("manufacturing:quality_alert_create")
    g1 = lot(b["glass"], "G-1")
    assert web.post(url, {"title": "", "lot": g1.pk}).status_code == 422
    assert web.post(url, {"title": "Scratched sheets", "lot": g1.pk}).status_code == 302
    alert = QualityAlert.objects.get()
    assert (alert.product_id, alert.lot_id) == (b["glass"].pk, g1.pk)
