"""The capacity load per work centre and week, and start/finish on the shop floor."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tandem.catalog.services.pricing import company_today
from tandem.core.errors import DomainError
from tandem.manufacturing import services
from tandem.manufacturing.capacity import capacity_load, monday
from tandem.manufacturing.models import PlannedOrder, WorkLog, WorkTimer

from .conftest import D

pytestmark = pytest.mark.django_db


def confirmed(f, qty, start):
    mo = services.mo_create(
        company=f["company"], bom=f["bom"], quantity=qty, planned_start=start, planned_end=start
    )
    return services.mo_confirm(mo=mo)


def test_load_per_week_against_capacity(factory):
    # ASM: 8 h a day, 100 %, no set-up -> 40 h a week; a lamp takes 30 minutes there
    f = factory
    today = date(2026, 11, 16)  # a Monday; no public holiday in these four weeks
    week = monday(today)
    big = confirmed(f, "100", today - timedelta(days=10))  # late: counts this week, 50 h
    services.mo_log_work(mo=big, minutes="60", operation=f["bom"].operations.get())  # -1 h
    confirmed(f, "10", week + timedelta(days=7))  # next week: 5 h
    PlannedOrder.objects.create(
        company=f["company"],
        kind="manufacture",
        product=f["lamp"],
        quantity=D("4"),
        due_date=week + timedelta(days=16),
        release_date=week + timedelta(days=15),
        bom=f["bom"],
        planned_at=timezone.now(),
    )  # the week after: 2 h
    # the centre made slower: 80 % -> every figure / 0.8
    f["asm"].efficiency = D("80")
    f["asm"].setup_minutes = D("6")  # once per order and operation: +0.125 h at 80 %
    f["asm"].save()
    [center] = capacity_load(f["company"], start=today, weeks=4, today=today)
    rows = [(r["week"], r["load"], r["capacity"], r["overloaded"]) for r in center["weeks"]]
    assert rows == [
        (week, D("61.38"), D("40.00"), True),  # (3000 + 6 - 60) / 60 / 0.8 = 61.375
        (week + timedelta(days=7), D("6.38"), D("40.00"), False),  # (300 + 6) / 48
        (week + timedelta(days=14), D("2.63"), D("40.00"), False),  # (120 + 6) / 48
        (week + timedelta(days=21), D("0.00"), D("40.00"), False),
    ]
    assert center["weeks"][0]["percent"] == D("153")


def test_start_and_finish_log_the_time_between(factory, owner):
    f = factory
    operation = f["bom"].operations.get()
    mo = confirmed(f, "2", company_today(f["company"]))
    start = timezone.now() - timedelta(minutes=45)
    services.work_start(mo=mo, operation=operation, user=owner, now=start)
    with pytest.raises(DomainError) as refused:
        services.work_start(mo=mo, operation=operation, user=owner)
    assert (refused.value.code, refused.value.status) == ("work_order.running", 409)
    log = services.work_finish(
        mo=mo, operation=operation, user=owner, now=start + timedelta(minutes=45)
    )
    # 45 minutes at ASM's 30.00 + 12.00 an hour
    assert (log.minutes, log.labour_cost, log.overhead_cost) == (D("45.00"), D("22.50"), D("9.00"))
    assert services.wip_balance(mo) == D("31.50")
    assert not WorkTimer.objects.exists()
    with pytest.raises(DomainError) as refused:
        services.work_finish(mo=mo, operation=operation)
    assert (refused.value.code, refused.value.status) == ("work_order.not_running", 409)
    draft = services.mo_create(company=f["company"], bom=f["bom"], quantity="1")
    with pytest.raises(DomainError) as refused:
        services.work_start(mo=draft, operation=operation)
    assert refused.value.code == "manufacturing_order.invalid_transition"
    assert WorkLog.objects.count() == 1 and not WorkTimer.objects.exists()


def test_the_pages_show_the_load_and_start_and_finish_by_clicking(web, factory):
    f = factory
    operation = f["bom"].operations.get()
    mo = confirmed(f, "100", company_today(f["company"]))
    html = web.get(reverse("manufacturing:capacity")).content.decode()
    assert 'data-overloaded="1"' in html and "<svg" in html
    floor = reverse("manufacturing:shop_floor") + f"?center={f['asm'].pk}"
    html = web.get(floor).content.decode()
    assert mo.number in html and ">Start</button>" in html
    start = reverse("manufacturing:shop_floor_action", args=[mo.pk, operation.pk, "start"])
    assert web.post(start)["Location"] == floor
    assert ">Finish</button>" in web.get(floor).content.decode()
    finish = reverse("manufacturing:shop_floor_action", args=[mo.pk, operation.pk, "finish"])
    web.post(finish)
    assert WorkLog.objects.get(mo=mo).minutes >= D("0.01")
    assert not WorkTimer.objects.exists()
    answer = web.post(finish, follow=True)  # not running: the reason shown, nothing logged
    assert "not running" in answer.content.decode()
    assert WorkLog.objects.filter(mo=mo).count() == 1
