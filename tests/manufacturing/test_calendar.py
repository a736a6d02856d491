"""Work centres on working calendars: capacity per working day (weekends, public holidays
and a calendar's own days off have none), load spread over the working days of an order's
window, and orders scheduled forward on the calendar.

Dates are fixed in the PRC's 2026 National Day week (tandem.core.calendars.PRC_OFFICIAL):
Friday 25 September (中秋) and 1, 2, 5, 6, 7 October are holidays; Sunday 20 September and
Saturday 10 October are worked in exchange.
"""

from datetime import date

import pytest

from tandem.core.calendars import business_calendar_create, calendar_day_set
from tandem.core.errors import DomainError
from tandem.core.services import company_create
from tandem.manufacturing import services
from tandem.manufacturing.capacity import capacity_load, day_capacity

from .conftest import D

pytestmark = pytest.mark.django_db

MON = date(2026, 9, 21)


def weeks_of(company, **kw):
    [center] = capacity_load(company, start=MON, weeks=4, today=MON, **kw)
    return [
        (r["week"].isoformat(), r["working_days"], r["capacity"], r["load"])
        for r in center["weeks"]
    ]


def six_days(company, **kw):
    week = {str(d): [["08:00", "16:00"]] for d in range(6)}
    return business_calendar_create(company=company, name="Six days", country="", week=week, **kw)


def test_capacity_follows_the_country_calendar_when_the_centre_has_none(factory):
    f = factory
    company = f["company"]
    # ASM: 8 h a day on the company's CN calendar, Monday to Friday
    assert day_capacity(f["asm"], date(2026, 9, 24)) == D("8")  # Thursday
    assert day_capacity(f["asm"], date(2026, 9, 25)) == 0  # 中秋
    assert day_capacity(f["asm"], date(2026, 9, 26)) == 0  # Saturday
    assert day_capacity(f["asm"], date(2026, 10, 10)) == D("8")  # Saturday worked (调休)
    assert weeks_of(company) == [
        ("2026-09-21", 4, D("32.00"), D("0.00")),  # Friday 25 off
        ("2026-09-28", 3, D("24.00"), D("0.00")),  # 1 and 2 October off
        ("2026-10-05", 3, D("24.00"), D("0.00")),  # 5-7 off, Saturday 10 worked
        ("2026-10-12", 5, D("40.00"), D("0.00")),
    ]


def test_load_is_spread_over_the_working_days_of_the_order_and_none_on_days_off(factory):
    f = factory
    # 96 lamps x 30 minutes = 48 h from Thursday 24 September to Friday 9 October: the
    # working days are 24, 28, 29, 30 September, 8 and 9 October -> 8 h each
    mo = services.mo_create(
        company=f["company"],
        bom=f["bom"],
        quantity="96",
        planned_start=date(2026, 9, 24),
        planned_end=date(2026, 10, 9),
    )
    services.mo_confirm(mo=mo)
    assert weeks_of(f["company"]) == [
        ("2026-09-21", 4, D("32.00"), D("8.00")),
        ("2026-09-28", 3, D("24.00"), D("24.00")),
        ("2026-10-05", 3, D("24.00"), D("16.00")),
        ("2026-10-12", 5, D("40.00"), D("0.00")),
    ]
    # an order whose window has no working day (the holiday week) loads the next one:
    # 10 lamps = 5 h on Thursday 8 October
    services.mo_create(
        company=f["company"],
        bom=f["bom"],
        quantity="10",
        planned_start=date(2026, 10, 5),
        planned_end=date(2026, 10, 7),
    )
    assert weeks_of(f["company"])[2] == ("2026-10-05", 3, D("24.00"), D("21.00"))


def test_a_centre_on_its_own_calendar_with_a_day_off(factory):
    f = factory
    company = f["company"]
    calendar = six_days(company)
    calendar_day_set(calendar=calendar, day=date(2026, 9, 22), kind="holiday", name="Stocktake")
    services.work_center_update(
        work_center=f["asm"], calendar=calendar, capacity_hours_per_day="16"
    )
    f["asm"].refresh_from_db()
    assert f["asm"].calendar == calendar
    # no country on this calendar: the public holidays are worked, Sundays are not
    assert weeks_of(company) == [
        ("2026-09-21", 5, D("80.00"), D("0.00")),  # Tuesday 22 off
        ("2026-09-28", 6, D("96.00"), D("0.00")),
        ("2026-10-05", 6, D("96.00"), D("0.00")),
        ("2026-10-12", 6, D("96.00"), D("0.00")),
    ]
    # back to the company's calendar
    services.work_center_update(work_center=f["asm"], calendar=None)
    assert weeks_of(company)[0][:3] == ("2026-09-21", 4, D("64.00"))  # 4 x 16 h


def test_orders_without_an_end_are_scheduled_forward_on_the_calendar(factory):
    f = factory
    company = f["company"]
    # 40 lamps = 20 h at 8 h a day from Thursday 24 September: Thursday 8 h, Friday 25 off,
    # the weekend off, Monday 28 8 h, Tuesday 29 the last 4 h
    mo = services.mo_create(
        company=company, bom=f["bom"], quantity="40", planned_start=MON.replace(day=24)
    )
    assert (mo.planned_start, mo.planned_end) == (date(2026, 9, 24), date(2026, 9, 29))
    # 16 lamps = 8 h: a full Thursday ends that day
    mo = services.mo_create(
        company=company, bom=f["bom"], quantity="16", planned_start=date(2026, 9, 24)
    )
    assert mo.planned_end == date(2026, 9, 24)
    # on a six-day calendar without public holidays: Thursday, Friday, Saturday
    services.work_center_update(work_center=f["asm"], calendar=six_days(company))
    mo = services.mo_create(
        company=company, bom=f["bom"], quantity="40", planned_start=date(2026, 9, 24)
    )
    assert mo.planned_end == date(2026, 9, 26)
    # set-up and efficiency count: 6 minutes set-up, 80 % -> (1200 + 6) / 60 / 0.8 = 25.125 h
    services.work_center_update(work_center=f["asm"], setup_minutes="6", efficiency="80")
    mo = services.mo_create(
        company=company, bom=f["bom"], quantity="40", planned_start=date(2026, 9, 24)
    )
    assert mo.planned_end == date(2026, 9, 28)  # Thu, Fri, Sat 24 h, Sunday off, Monday
    # an explicit end is kept
    mo = services.mo_create(
        company=company,
        bom=f["bom"],
        quantity="40",
        planned_start=date(2026, 9, 24),
        planned_end=date(2026, 9, 24),
    )
    assert mo.planned_end == date(2026, 9, 24)


def test_a_calendar_of_another_company_is_refused(factory):
    other = company_create(code="OTH", name="Other Co")
    foreign = six_days(other)
    with pytest.raises(DomainError) as refused:
        services.work_center_update(work_center=factory["asm"], calendar=foreign)
    assert (refused.value.code, refused.value.status) == ("work_center.calendar", 422)
    factory["asm"].refresh_from_db()
    assert factory["asm"].calendar_id is None


def test_the_api_sets_and_clears_a_centre_calendar(api, factory):
    calendar = six_days(factory["company"])
    answer = api.post("/work-centers", {"code": "PNT", "name": "Paint", "calendar": calendar.pk})
    assert answer.status_code == 201, answer.content
    paint = answer.json()
    assert paint["calendar"] == calendar.pk
    answer = api.patch(f"/work-centers/{paint['id']}", {"calendar": None})
    assert (answer.status_code, answer.json()["calendar"]) == (200, None)
    foreign = six_days(company_create(code="OTH", name="Other Co"))
    answer = api.patch(f"/work-centers/{paint['id']}", {"calendar": foreign.pk})
    assert (answer.status_code, answer.json()["code"]) == (422, "reference.invalid")
    assert answer.json()["errors"][0]["field"] == "calendar"
    assert api.get(f"/work-centers/{paint['id']}").json()["calendar"] is None
