"""Every manufacturing page answers 200, and a POST on it changes what it should."""

import pytest
from django.urls import reverse

from tandem.core.calendars import business_calendar_create
from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, ManufacturingOrder, MoState, WorkCenter

from .conftest import D

pytestmark = pytest.mark.django_db


def test_home_and_lists_show_the_orders(web, factory):
    f = factory
    mo = services.mo_create(company=f["company"], bom=f["bom"], quantity="2")
    for name in ("home", "order_list", "bom_list", "work_center_list"):
        answer = web.get(reverse(f"manufacturing:{name}"))
        assert answer.status_code == 200, name
    assert (
        mo.number in web.get(reverse("manufacturing:order_list") + "?state=draft").content.decode()
    )
    assert (
        mo.number
        not in web.get(reverse("manufacturing:order_list") + "?state=done").content.decode()
    )


def test_a_work_centre_is_created_and_edited(web, factory):
    url = reverse("manufacturing:work_center_create")
    assert web.get(url).status_code == 200
    data = {
        "code": "pnt",
        "name": "Paint",
        "cost_per_hour": "18",
        "overhead_per_hour": "6",
        "capacity_hours_per_day": "8",
        "efficiency": "100",
        "setup_minutes": "5",
        "active": "on",
    }
    assert web.post(url, data).status_code == 302
    center = WorkCenter.objects.get(code="PNT")
    edit = reverse("manufacturing:work_center_edit", args=[center.pk])
    assert web.get(edit).status_code == 200
    answer = web.post(edit, {**data, "efficiency": "0"})
    assert answer.status_code == 422  # refused beside the field, nothing changed
    assert WorkCenter.objects.get(pk=center.pk).efficiency == D("100")
    assert web.post(edit, {**data, "cost_per_hour": "20"}).status_code == 302
    assert WorkCenter.objects.get(pk=center.pk).cost_per_hour == D("20")
    # a working calendar chosen on the form, shown on the list
    calendar = business_calendar_create(company=factory["company"], name="Two shifts")
    assert web.post(edit, {**data, "calendar": calendar.pk}).status_code == 302
    assert WorkCenter.objects.get(pk=center.pk).calendar == calendar
    assert "Two shifts" in web.get(reverse("manufacturing:work_center_list")).content.decode()


def _bom_post(product, lines):
    data = {
        "product": product.pk,
        "quantity": "1",
        "scrap_percent": "0",
        "active": "on",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
    }
    for index, (component, quantity) in enumerate(lines):
        data[f"lines-{index}-product"] = component.pk
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-kind"] = "component"
    return data


def test_a_bom_is_made_on_its_form_shown_exploded_and_a_cycle_is_refused(
    web, factory, make_product
):
    f = factory
    url = reverse("manufacturing:bom_create")
    assert web.get(url).status_code == 200
    desk = make_product("average", sku="DESK")
    answer = web.post(url, _bom_post(desk, [(f["lamp"], "1"), (f["bolt"], "10")]))
    assert answer.status_code == 302
    bom = Bom.objects.get(product=desk)
    detail = web.get(reverse("manufacturing:bom_detail", args=[bom.pk]) + "?quantity=2")
    assert detail.status_code == 200
    assert 'data-level="3"' in detail.content.decode()  # lamp > kit > shade
    # a lamp made of desks: the desk contains the lamp
    answer = web.post(
        reverse("manufacturing:bom_edit", args=[f["bom"].pk]), _bom_post(f["lamp"], [(desk, "1")])
    )
    assert answer.status_code == 422
    assert "contains" in answer.content.decode()
    assert [line.product for line in f["bom"].lines.all()][0] == f["wire"]


def test_an_order_is_made_confirmed_produced_and_done_from_its_page(web, factory):
    f = factory
    answer = web.post(reverse("manufacturing:order_create"), {"bom": f["bom"].pk, "quantity": "1"})
    assert answer.status_code == 302
    mo = ManufacturingOrder.objects.get()
    detail = reverse("manufacturing:order_detail", args=[mo.pk])
    assert web.get(detail).status_code == 200

    def act(action, data=None):
        return web.post(reverse("manufacturing:order_action", args=[mo.pk, action]), data or {})

    assert act("confirm").status_code == 302
    assert act("assign").status_code == 302
    assert act("work", {"work_center": f["asm"].pk, "minutes": "30"}).status_code == 302
    assert act("produce", {"quantity": "5"}).status_code == 302  # an owner may make more
    answer = act("scrap", {"product": f["bolt"].pk, "quantity": "1", "reason": ""})
    assert answer.status_code == 422
    assert act("produce", {"quantity": "1"}).status_code == 302
    assert act("done").status_code == 302
    mo.refresh_from_db()
    assert (mo.state, mo.quantity_produced) == (MoState.DONE, D("6"))
    page = web.get(detail).content.decode()
    assert 'data-cell="wip">0.00' in page
