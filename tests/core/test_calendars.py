"""Business calendars: working days, intervals and business-time arithmetic."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.calendars import (
    PRC_OFFICIAL,
    add_business_hours,
    add_business_seconds,
    business_calendar_create,
    business_calendar_update,
    business_seconds,
    calendar_day_remove,
    calendar_day_set,
    intervals_clean,
    is_working_day,
    working_hours_on,
    working_intervals,
)
from tandem.core.errors import ValidationFailed
from tandem.core.models import BusinessCalendar, CalendarDay

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
LUNCH = [["09:00", "12:00"], ["13:00", "18:00"]]
MON_FRI = {str(d): LUNCH for d in range(5)}


def at(zone, *args):
    return datetime(*args, tzinfo=zone)


@pytest.fixture
def shanghai(company):
    return business_calendar_create(
        company=company, name="Support", time_zone="Asia/Shanghai", country="", week=MON_FRI
    )


@pytest.fixture
def prc(company):
    return business_calendar_create(
        company=company, name="PRC", time_zone="Asia/Shanghai", country="CN", week=MON_FRI
    )


# ------------------------------------------------------------------ exact cases


def test_across_a_weekend(shanghai):
    # given Friday 17:00 in Shanghai, one working hour left that day
    friday = at(SH, 2026, 12, 4, 17, 0)
    # when two business hours are added
    due = add_business_seconds(shanghai, friday, 7200)
    # then the clock skips Saturday and Sunday and stops Monday 10:00
    assert due == at(SH, 2026, 12, 7, 10, 0)
    assert due.tzinfo is UTC
    assert business_seconds(shanghai, friday, due) == 7200
    assert business_seconds(shanghai, at(SH, 2026, 12, 5, 0), at(SH, 2026, 12, 7, 0)) == 0
    assert not is_working_day(shanghai, date(2026, 12, 5))


def test_a_lunch_break(shanghai):
    # given a morning 09:00-12:00 and an afternoon 13:00-18:00
    start = at(SH, 2026, 12, 2, 11, 30)
    # then one hour from 11:30 ends at 13:30, and 11:00-14:00 holds two working hours
    assert add_business_seconds(shanghai, start, 3600) == at(SH, 2026, 12, 2, 13, 30)
    assert business_seconds(shanghai, at(SH, 2026, 12, 2, 11), at(SH, 2026, 12, 2, 14)) == 7200
    assert working_intervals(shanghai, at(SH, 2026, 12, 2, 11), at(SH, 2026, 12, 2, 14)) == [
        (at(SH, 2026, 12, 2, 11), at(SH, 2026, 12, 2, 12)),
        (at(SH, 2026, 12, 2, 13), at(SH, 2026, 12, 2, 14)),
    ]
    # a due date that uses up the morning exactly is 12:00, not 13:00
    assert add_business_seconds(shanghai, start, 1800) == at(SH, 2026, 12, 2, 12, 0)
    assert working_hours_on(shanghai, date(2026, 12, 2)) == Decimal("8.0000")


def test_prc_spring_festival_with_swapped_saturdays(prc):
    # given the 2026 Spring Festival: Sat 14 Feb worked, 15-23 Feb off, Sat 28 Feb worked
    assert is_working_day(prc, date(2026, 2, 14))
    assert [is_working_day(prc, date(2026, 2, d)) for d in range(15, 24)] == [False] * 9
    assert is_working_day(prc, date(2026, 2, 24))
    assert is_working_day(prc, date(2026, 2, 28))
    assert not is_working_day(prc, date(2026, 2, 21))
    assert working_hours_on(prc, date(2026, 2, 14)) == Decimal("8.0000")
    friday = at(SH, 2026, 2, 13, 17, 0)
    # when nine business hours run from Friday 17:00: one on Friday, eight on the Saturday
    assert add_business_seconds(prc, friday, 9 * 3600) == at(SH, 2026, 2, 14, 18, 0)
    # and a tenth lands on Tuesday after the holiday
    assert add_business_seconds(prc, friday, 10 * 3600) == at(SH, 2026, 2, 24, 10, 0)
    assert business_seconds(prc, friday, at(SH, 2026, 2, 24, 10, 0)) == 10 * 3600


def test_prc_national_day_2025(prc):
    # Sun 28 Sep worked, 1-8 Oct off, Sat 11 Oct worked
    assert is_working_day(prc, date(2025, 9, 28))
    assert not any(is_working_day(prc, date(2025, 10, d)) for d in range(1, 9))
    assert is_working_day(prc, date(2025, 10, 9))
    assert is_working_day(prc, date(2025, 10, 11))
    start = at(SH, 2025, 9, 30, 17, 0)
    assert add_business_hours(prc, start, Decimal("1.5")) == at(SH, 2025, 10, 9, 9, 30)


def test_official_prc_table_matches_the_holidays_package():
    # the shipped facts agree with the installed package for the years both know
    for year, (off, work) in PRC_OFFICIAL.items():
        table = holidays.country_holidays("CN", years=year)
        weekday_off = {d for d in table if d.weekday() < 5 and d.year == year}
        assert weekday_off == {date.fromisoformat(d) for d in off}, year
        assert {d for d in table.weekend_workdays if d.year == year} == {
            date.fromisoformat(d) for d in work
        }, year


def test_dst_spring_forward_in_berlin(company):
    # given a round-the-clock calendar in Berlin; 29 March 2026 has 23 hours
    always = business_calendar_create(
        company=company,
        name="24x7",
        time_zone="Europe/Berlin",
        country="",
        week={str(d): [["00:00", "24:00"]] for d in range(7)},
    )
    assert working_hours_on(always, date(2026, 3, 29)) == Decimal("23.0000")
    assert working_hours_on(always, date(2026, 10, 25)) == Decimal("25.0000")
    saturday_noon = at(BERLIN, 2026, 3, 28, 12)
    sunday_noon = at(BERLIN, 2026, 3, 29, 12)
    assert business_seconds(always, saturday_noon, sunday_noon) == 23 * 3600
    assert add_business_seconds(always, saturday_noon, 23 * 3600) == sunday_noon


def test_dst_weekend_office_hours_and_night_shift(company):
    office = business_calendar_create(
        company=company,
        name="Berlin office",
        time_zone="Europe/Berlin",
        country="",
        week={str(d): [["09:00", "17:00"]] for d in range(5)} | {"6": [["01:00", "04:00"]]},
    )
    # Friday 16:00 CET + 2h -> Monday 10:00 CEST (08:00 UTC); the Sunday night shift of
    # 01:00-04:00 loses the skipped hour and counts two real hours
    friday = at(BERLIN, 2026, 3, 27, 16)
    assert working_hours_on(office, date(2026, 3, 29)) == Decimal("2.0000")
    # 1h on Friday, then the whole night shift (00:00-02:00 UTC) ends at 04:00 CEST
    assert add_business_seconds(office, friday, 3 * 3600) == datetime(2026, 3, 29, 2, tzinfo=UTC)
    assert add_business_seconds(office, friday, 5 * 3600) == datetime(2026, 3, 30, 9, tzinfo=UTC)
    assert business_seconds(office, friday, at(BERLIN, 2026, 3, 30, 10)) == 4 * 3600


def test_company_overrides(shanghai):
    # given a company holiday on a Wednesday and a Saturday worked in the morning only
    calendar_day_set(calendar=shanghai, day=date(2026, 12, 9), kind="holiday", name="Outing")
    calendar_day_set(
        calendar=shanghai, day=date(2026, 12, 12), kind="working", intervals=[["09:00", "12:00"]]
    )
    calendar_day_set(calendar=shanghai, day=date(2026, 12, 13), kind="working")
    # then
    assert not is_working_day(shanghai, date(2026, 12, 9))
    assert working_hours_on(shanghai, date(2026, 12, 12)) == Decimal("3.0000")
    assert working_hours_on(shanghai, date(2026, 12, 13)) == Decimal("8.0000")  # standard day
    assert add_business_seconds(shanghai, at(SH, 2026, 12, 8, 18), 3600) == at(SH, 2026, 12, 10, 10)
    # a fresh instance reads the rows; removing one restores the week
    fresh = BusinessCalendar.objects.get(pk=shanghai.pk)
    assert not is_working_day(fresh, date(2026, 12, 9))
    calendar_day_remove(calendar=shanghai, day=date(2026, 12, 9))
    assert is_working_day(shanghai, date(2026, 12, 9))


def test_a_company_holiday_overrides_a_prc_working_saturday(prc):
    calendar_day_set(calendar=prc, day=date(2026, 2, 14), kind="holiday", name="Closed")
    assert not is_working_day(prc, date(2026, 2, 14))


# ------------------------------------------------------------------ bad input


def test_overlapping_intervals_are_refused(company):
    with pytest.raises(ValidationFailed) as err:
        business_calendar_create(
            company=company, name="Bad", week={"0": [["09:00", "13:00"], ["12:00", "18:00"]]}
        )
    assert err.value.code == "calendar.overlapping_intervals"
    assert not BusinessCalendar.objects.filter(company=company).exists()


def test_no_working_hours_is_refused(company, shanghai):
    with pytest.raises(ValidationFailed) as err:
        business_calendar_create(company=company, name="Empty", week={"0": [], "6": []})
    assert err.value.code == "calendar.no_working_hours"
    with pytest.raises(ValidationFailed) as err:
        business_calendar_update(calendar=shanghai, week={})
    assert err.value.code == "calendar.no_working_hours"
    assert BusinessCalendar.objects.get(pk=shanghai.pk).week["0"] == LUNCH
    # an unsaved calendar with no hours cannot produce a due date
    empty = BusinessCalendar(name="x", time_zone="UTC", week={})
    with pytest.raises(ValidationFailed) as err:
        add_business_seconds(empty, datetime(2026, 1, 1, tzinfo=UTC), 60)
    assert err.value.code == "calendar.no_working_hours"


@pytest.mark.parametrize(
    "intervals,code",
    [
        ([["18:00", "09:00"]], "calendar.invalid_interval"),
        ([["9", "12:00"]], "calendar.invalid_interval"),
        ([["09:00", "24:30"]], "calendar.invalid_interval"),
        ([["09:00"]], "calendar.invalid_interval"),
        ("09:00-12:00", "calendar.invalid_interval"),
        ([["08:00", "10:00"], ["09:59", "11:00"]], "calendar.overlapping_intervals"),
    ],
)
def test_bad_intervals(intervals, code):
    with pytest.raises(ValidationFailed) as err:
        intervals_clean(intervals)
    assert err.value.code == code


def test_touching_intervals_and_sorting():
    assert intervals_clean([["13:00", "18:00"], ["09:00", "13:00"]]) == [
        ["09:00", "13:00"],
        ["13:00", "18:00"],
    ]


def test_unknown_zone_and_country(company):
    with pytest.raises(ValidationFailed) as err:
        business_calendar_create(company=company, name="X", time_zone="Mars/Base")
    assert err.value.code == "calendar.unknown_time_zone"
    with pytest.raises(ValidationFailed) as err:
        business_calendar_create(company=company, name="X", country="ZZ")
    assert err.value.code == "calendar.unknown_country"
    assert not BusinessCalendar.objects.filter(company=company).exists()


def test_naive_datetimes_are_refused(shanghai):
    with pytest.raises(ValidationFailed) as err:
        business_seconds(shanghai, datetime(2026, 1, 1), datetime(2026, 1, 2, tzinfo=UTC))
    assert err.value.code == "validation.naive_datetime"


def test_the_calendar_reads_its_overrides_once(shanghai, django_assert_num_queries):
    calendar_day_set(calendar=shanghai, day=date(2026, 12, 9), kind="holiday")
    fresh = BusinessCalendar.objects.get(pk=shanghai.pk)
    with django_assert_num_queries(1):
        business_seconds(fresh, at(SH, 2026, 1, 1), at(SH, 2026, 12, 31))
        add_business_seconds(fresh, at(SH, 2026, 1, 1), 500 * 3600)


# ------------------------------------------------------------------ property test

ZONES = ["UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York"]
# interval bounds on a half-hour grid, never strictly inside the 02:00-03:00 hour that
# daylight saving skips or repeats (a wall time there is read as its first occurrence, which
# a minute walker over real instants cannot express)
BOUNDS = [m for m in range(0, 24 * 60 + 1, 30) if not 120 < m < 180]


@st.composite
def day_intervals(draw):
    picks = sorted(draw(st.sets(st.sampled_from(BOUNDS), max_size=6)))
    pairs = [picks[i : i + 2] for i in range(0, len(picks) - 1, 2)]
    return [[f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in pairs]


@st.composite
def calendars(draw):
    week = {str(d): draw(day_intervals()) for d in range(7)}
    if not any(week.values()):
        week["0"] = [["09:00", "17:00"]]
    zone = draw(st.sampled_from(ZONES))
    base = draw(st.sampled_from([date(2026, 3, 26), date(2026, 10, 22), date(2026, 3, 6)]))
    overrides = {}
    for offset in draw(st.sets(st.integers(0, 9), max_size=3)):
        kind = draw(st.sampled_from(["holiday", "working"]))
        own = draw(day_intervals()) if kind == "working" else []
        overrides[base + timedelta(days=offset)] = (kind, own)
    return zone, week, base, overrides


def _minutes(hhmm):
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _walker_is_working(spec, instant):
    """Brute force: is the minute starting at `instant` working time? (own reading of spec)"""
    zone, week, _, overrides = spec
    local = instant.astimezone(ZoneInfo(zone))
    day, minute = local.date(), local.hour * 60 + local.minute
    if day in overrides:
        kind, own = overrides[day]
        if kind == "holiday":
            return False
        standard = next(week[str(d)] for d in range(7) if week[str(d)])
        intervals = own or standard
    else:
        intervals = week[str(day.weekday())]
    return any(_minutes(a) <= minute < _minutes(b) for a, b in intervals)


def _build(spec):
    zone, week, _, overrides = spec
    cal = BusinessCalendar(name="p", time_zone=zone, country="", week=week)
    cal.__dict__["_tandem_days"] = {
        d: CalendarDay(date=d, kind=k, intervals=i) for d, (k, i) in overrides.items()
    }
    return cal


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=calendars(), start_min=st.integers(0, 3 * 1440), span=st.integers(0, 4 * 1440))
def test_business_time_matches_a_minute_walker(spec, start_min, span):
    zone, _, base, _ = spec
    origin = datetime.combine(base, datetime.min.time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    start = origin + timedelta(minutes=start_min)
    end = start + timedelta(minutes=span)
    cal = _build(spec)
    working = [_walker_is_working(spec, start + timedelta(minutes=m)) for m in range(span)]
    # business_seconds agrees minute by minute
    assert business_seconds(cal, start, end) == 60 * sum(working)
    # add_business_seconds ends right after the n-th working minute
    count = 0
    for m, flag in enumerate(working):
        if flag:
            count += 1
            if count in (1, sum(working) // 2 or 1, sum(working)):
                assert add_business_seconds(cal, start, 60 * count) == start + timedelta(
                    minutes=m + 1
                )
    # the intervals are ordered, disjoint and inside [start, end)
    pieces = working_intervals(cal, start, end)
    assert all(start <= a < b <= end for a, b in pieces)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(pieces, pieces[1:], strict=False))


def test_public_holidays_are_the_country_s_not_the_company_s_closing_days(company):
    from tandem.core.calendars import is_public_holiday
    from tandem.core.models import BusinessCalendar, CalendarDay

    cal = BusinessCalendar.objects.create(company=company, name="PRC office", country="CN")
    CalendarDay.objects.create(
        company=company, calendar=cal, date=date(2026, 8, 14), kind="holiday"
    )
    assert is_public_holiday(cal, date(2026, 10, 1))  # National Day
    assert not is_public_holiday(cal, date(2026, 8, 14))  # the company's own closing day
    assert not is_public_holiday(cal, date(2026, 10, 10))  # a Saturday worked (调休) in 2026
