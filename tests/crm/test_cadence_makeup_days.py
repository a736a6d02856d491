"""China's make-up working days (调休): a Saturday or Sunday worked to bridge a public holiday
counts as a business day for cadences of a company whose calendar is CN. Dates from the
`holidays` package's 2026 data: Saturday 14 and 28 February 2026 are worked around the Spring
Festival (16-20 and 23 February off); Saturday 10 October after National Day."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tandem.crm import services
from tandem.crm.models import Activity

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_make_up_saturdays_are_business_days_in_china_only(company, other_company):
    assert services.is_business_day(company, date(2026, 2, 14))  # Saturday, worked
    assert services.is_business_day(company, date(2026, 10, 10))  # Saturday, worked
    assert not services.is_business_day(company, date(2026, 2, 21))  # ordinary Saturday
    assert not services.is_business_day(company, date(2026, 2, 20))  # Friday, a day off
    assert not services.is_business_day(other_company, date(2026, 2, 14))  # US: a Saturday


def test_business_days_count_the_make_up_days_across_the_spring_festival(company):
    # from Friday 13 February 2026
    assert services.add_business_days(company, date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert services.add_business_days(company, date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert services.add_business_days(company, date(2026, 2, 13), 6) == date(2026, 2, 28)


def test_a_new_lead_on_friday_before_the_festival_is_called_on_the_make_up_saturday(
    company, owner, rep, make_lead
):
    rule = services.cadence_create(
        company=company,
        name="New lead: first contact",
        applies_to="lead",
        kind="call",
        interval=1,
        interval_unit="business_days",
        summary_template="First call: {record}",
        repeat=False,
        owner=owner,
    )
    lead = make_lead(name="Lantern order", owner=rep)
    type(lead).objects.filter(pk=lead.pk).update(
        created_at=datetime(2026, 2, 13, 16, 0, tzinfo=SHANGHAI)
    )

    assert services.cadence_sweep() == 1

    call = Activity.objects.get(cadence=rule, lead=lead)
    assert call.due_at == datetime(2026, 2, 14, 9, 0, tzinfo=SHANGHAI)
