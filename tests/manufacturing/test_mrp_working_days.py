"""MRP lead times in working days of the company's calendar: weekends, public holidays and
China's adjusted working days (调休) counted as the calendar says; a purchase lead time stays
the supplier's calendar days, released on a working day."""

from datetime import date

import pytest

from tandem.manufacturing import services
from tandem.manufacturing.models import Bom, PlannedOrder
from tandem.manufacturing.mrp import Item, Requirement, Source, WorkingDays, plan
from tandem.purchasing.models import SupplierPrice

from .conftest import D

HOLIDAY = date(2026, 6, 19)  # a Friday (端午 in the PRC's 2026 arrangement)


def weekdays_but_holiday(day: date) -> bool:
    return day.weekday() < 5 and day != HOLIDAY


def test_a_five_day_lead_time_due_on_a_monday_starts_the_monday_before():
    days = WorkingDays(weekdays_but_holiday, date(2026, 6, 1), date(2026, 6, 30))
    assert days.before(date(2026, 6, 15), 5) == date(2026, 6, 8)
    # the Friday holiday is skipped: one working day more to go back
    assert days.before(date(2026, 6, 22), 5) == date(2026, 6, 12)
    assert days.before(date(2026, 6, 22), 1) == date(2026, 6, 18)
    assert days.before(date(2026, 6, 22), 0) == date(2026, 6, 22)
    # a Sunday: the Friday before is the last working day on or before it
    assert days.on_or_before(date(2026, 6, 14)) == date(2026, 6, 12)
    assert days.on_or_before(date(2026, 6, 12)) == date(2026, 6, 12)
    # past either end of the span listed first: it widens
    assert days.before(date(2026, 1, 5), 1) == date(2026, 1, 2)
    assert days.before(date(2026, 8, 3), 5) == date(2026, 7, 27)


def test_the_engine_offsets_made_items_in_working_days_and_bought_ones_in_calendar_days():
    lamp, wire = 1, 2
    items = {
        lamp: Item(lamp, make=True, lead_days=5, bom_id=10, components={wire: D(2)}),
        wire: Item(wire, make=False, lead_days=3, supplier_id=99),
    }
    demand = Requirement(lamp, date(2026, 6, 22), D(4), Source("sales_order_line", 1))
    days = WorkingDays(weekdays_but_holiday, date(2026, 6, 1), date(2026, 6, 30))

    planned = {p.product_id: p for p in plan(
        items=items, demands=[demand], supplies=[], on_hand={}, today=date(2026, 6, 1),
        working_days=days,
    )}  # fmt: skip

    assert (planned[lamp].due, planned[lamp].release) == (date(2026, 6, 22), date(2026, 6, 12))
    # the wire is due when the lamps start (Friday 12th); 3 calendar days before is Tuesday
    assert (planned[wire].due, planned[wire].release) == (date(2026, 6, 12), date(2026, 6, 9))
    # without a calendar: calendar days, as before
    plain = {p.product_id: p for p in plan(
        items=items, demands=[demand], supplies=[], on_hand={}, today=date(2026, 6, 1),
    )}  # fmt: skip
    assert plain[lamp].release == date(2026, 6, 17)


@pytest.mark.django_db
def test_mrp_counts_the_companys_working_days_holidays_and_adjusted_saturdays(factory, supplier):
    """The company is in China: 2026's Dragon Boat Friday (19 June) is off, the National Day
    week (1-7 October) too, and Saturday 10 October is worked in exchange."""
    company = factory["company"]
    Bom.objects.filter(pk=factory["bom"].pk).update(lead_time_days=5)
    SupplierPrice.objects.create(
        company=company,
        supplier=supplier,
        product=factory["wire"],
        currency_id="CNY",
        price=D("4.50"),
        lead_time_days=3,
    )
    for monday, lamps in ((date(2026, 6, 15), 6), (date(2026, 6, 22), 3), (date(2026, 10, 12), 4)):
        services.forecast_create(
            company=company,
            product=factory["lamp"],
            date_from=monday,
            date_to=monday,
            quantity=D(lamps),
        )

    services.mrp_run(company=company, today=date(2026, 6, 1))

    lamps = {
        p.due_date: p.release_date
        for p in PlannedOrder.objects.filter(company=company, product=factory["lamp"])
    }
    assert lamps == {
        date(2026, 6, 15): date(2026, 6, 8),  # Monday to Monday
        date(2026, 6, 22): date(2026, 6, 12),  # the holiday skipped: Friday the 12th
        # Sat 10 Oct worked, Fri 9, Thu 8; 1-7 Oct off; Wed 30 and Tue 29 September
        date(2026, 10, 12): date(2026, 9, 29),
    }
    # 15 m of wire in stock cover the first 9 lamps (13.5 m); the October lamps' wire is due
    # on Tuesday 29 September and ordered 3 calendar days before: Saturday the 26th is not
    # worked and Friday the 25th (中秋 in 2026) is off, so Thursday the 24th
    wires = {
        p.due_date: p.release_date
        for p in PlannedOrder.objects.filter(company=company, product=factory["wire"])
    }
    assert wires == {date(2026, 9, 29): date(2026, 9, 24)}
