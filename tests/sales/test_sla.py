from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tandem.core.errors import DomainError
from tandem.sales import services
from tandem.sales.models import OrderException, OrderStageEvent
from tandem.sales.tasks import sla_breach_scan

D = Decimal
CST = ZoneInfo("Asia/Shanghai")
EST = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")
pytestmark = pytest.mark.django_db


@pytest.fixture
def cn(company):
    return services.calendar_for(company)  # CN, Asia/Shanghai, Mon-Fri 9:00-18:00


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


def test_business_hours_skip_the_weekend(cn):
    friday = at(CST, 2026, 11, 27, 16, 0)
    monday = at(CST, 2026, 11, 30, 11, 0)
    assert services.business_hours_between(cn, friday, monday) == D("4.0000")
    assert services.deadline(cn, friday, 4) == at(UTC, 2026, 11, 30, 3, 0)
    # a start outside working hours counts from the next opening
    saturday = at(CST, 2026, 11, 28, 22, 0)
    assert services.deadline(cn, saturday, D("0.5")) == at(CST, 2026, 11, 30, 9, 30)
    assert services.business_hours_between(cn, saturday, monday) == D("2.0000")


def test_business_hours_skip_china_national_day(cn):
    # 30 Sep 17:00 + 3 h: one hour that day, then 1-7 October are off
    start = at(CST, 2026, 9, 30, 17, 0)
    assert services.deadline(cn, start, 3) == at(CST, 2026, 10, 8, 11, 0)
    assert services.business_hours_between(cn, start, at(CST, 2026, 10, 8, 11, 0)) == D("3.0000")
    # Saturday 10 October is a make-up working day (调休)
    assert services.deadline(cn, at(CST, 2026, 10, 9, 17, 0), 2) == at(CST, 2026, 10, 10, 10, 0)


def test_business_hours_skip_us_thanksgiving(other_company):
    us = services.calendar_for(other_company)
    assert (us.country, us.time_zone) == ("US", "America/New_York")
    start = at(EST, 2026, 11, 25, 17, 0)
    assert services.deadline(us, start, 2) == at(UTC, 2026, 11, 27, 15, 0)
    assert services.business_hours_between(us, start, at(EST, 2026, 11, 27, 10, 0)) == D("2.0000")


def test_calendar_update_validates(company):
    cal = services.calendar_update(company=company, working_days=[0, 1, 2, 3, 4, 5])
    assert cal.working_days == "0,1,2,3,4,5"
    for bad, code in (
        ({"working_days": "0,9"}, "validation.invalid"),
        ({"country": "XX"}, "calendar.country_unknown"),
        ({"work_start": time(18), "work_end": time(9)}, "calendar.hours_order"),
    ):
        with pytest.raises(DomainError) as refused:
            services.calendar_update(company=company, **bad)
        assert refused.value.code == code
    cal.refresh_from_db()
    assert (cal.working_days, cal.country, cal.work_start) == ("0,1,2,3,4,5", "CN", time(9))


def _confirmed(order_of, make_product, received):
    order = services.sales_order_confirm(order=order_of((make_product("10", type="service"), 1)))
    OrderStageEvent.objects.filter(order=order, stage="received").update(at=received)
    return order


def test_breach_scan_opens_one_exception_per_late_stage(books, order_of, make_product, cn):
    # given: allocate within 2 business hours of receipt
    services.sla_policy_create(company=books, stage="allocated", target_hours=D("2"))
    monday_9 = at(CST, 2026, 11, 23, 9, 0)
    late = _confirmed(order_of, make_product, monday_9)
    on_time = _confirmed(order_of, make_product, monday_9)
    services.stage_record(order=on_time, stage="allocated", at=at(CST, 2026, 11, 23, 10, 30))
    reached_late = _confirmed(order_of, make_product, monday_9)
    services.stage_record(order=reached_late, stage="allocated", at=at(CST, 2026, 11, 23, 11, 30))
    young = _confirmed(order_of, make_product, at(CST, 2026, 11, 23, 10, 30))
    # when the scan runs at 12:00
    now = at(CST, 2026, 11, 23, 12, 0)
    assert services.sla_breach_scan(now=now) == 2
    # then one open breach for the overdue order, a resolved record for the late one
    rows = {
        e.order_id: (e.stage, e.state) for e in OrderException.objects.filter(kind="sla_breach")
    }
    assert rows == {late.pk: ("allocated", "open"), reached_late.pk: ("allocated", "resolved")}
    # and running it again opens nothing more
    assert services.sla_breach_scan(now=now) == 0
    assert OrderException.objects.filter(kind="sla_breach").count() == 2
    # at 12:31 the young order (due 12:30) breaches too
    assert services.sla_breach_scan(now=at(CST, 2026, 11, 23, 12, 31)) == 1
    assert OrderException.objects.get(order=young).state == "open"


def test_breach_scan_task_runs_the_service(books, order_of, make_product, cn):
    services.sla_policy_create(company=books, stage="shipped", target_hours=D("1"))
    _confirmed(order_of, make_product, at(CST, 2020, 1, 6, 9, 0))
    assert sla_breach_scan.apply().get() == 1
    assert sla_breach_scan.apply().get() == 0


def test_sla_policy_rules(books):
    services.sla_policy_create(company=books, stage="allocated", target_hours="2")
    for kwargs, code in (
        ({"stage": "allocated", "target_hours": "3"}, "sla.duplicate"),
        ({"stage": "shipped", "target_hours": "0"}, "validation.min_value"),
        ({"stage": "received", "target_hours": "1"}, "sla.stage_order"),
        ({"stage": "nowhere", "target_hours": "1"}, "validation.choice"),
    ):
        with pytest.raises(DomainError) as refused:
            services.sla_policy_create(company=books, **kwargs)
        assert refused.value.code == code


def test_an_open_breach_closes_once_its_stage_is_reached(books, order_of, make_product, cn):
    services.sla_policy_create(company=books, stage="allocated", target_hours=D("2"))
    order = _confirmed(order_of, make_product, at(CST, 2026, 11, 23, 9, 0))
    assert services.sla_breach_scan(now=at(CST, 2026, 11, 23, 12, 0)) == 1
    assert OrderException.objects.get(order=order, kind="sla_breach").state == "open"

    services.stage_record(order=order, stage="allocated", at=at(CST, 2026, 11, 23, 14, 0))
    assert services.sla_breach_scan(now=at(CST, 2026, 11, 23, 15, 0)) == 0

    breach = OrderException.objects.get(order=order, kind="sla_breach")
    assert (breach.state, breach.resolution_note) == ("resolved", "reached late")
    assert breach.resolved_at == at(CST, 2026, 11, 23, 15, 0)
