"""Issue 16, bad input: an SLA policy or a team on a calendar with no working hours, and a
calendar with overlapping intervals: 422 with a stable code through the API, nothing
written."""

from tandem.core.models import BusinessCalendar
from tandem.service.models import ServiceTeam, SlaPolicy


def _empty_calendar(company):
    # made past the calendar service (which refuses it) to stand for a calendar whose hours
    # were all removed later
    return BusinessCalendar.objects.create(
        company=company, name="Empty", time_zone="Asia/Shanghai", country="", week={}
    )


def test_a_policy_or_team_on_a_calendar_without_hours_is_refused(api_as, owner, company):
    api = api_as(owner, company)
    empty = _empty_calendar(company)
    answer = api.post(
        "/ticket-sla-policies",
        {
            "name": "Normal",
            "priority": "normal",
            "first_response_hours": "2",
            "resolution_hours": "8",
            "calendar": empty.pk,
        },
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "calendar.no_working_hours")
    assert not SlaPolicy.objects.exists()
    answer = api.post("/service-teams", {"name": "Care", "calendar": empty.pk})
    assert (answer.status_code, answer.json()["code"]) == (422, "calendar.no_working_hours")
    assert not ServiceTeam.objects.exists()


def test_a_calendar_with_overlapping_intervals_is_refused(company):
    import pytest

    from tandem.core.calendars import business_calendar_create
    from tandem.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        business_calendar_create(
            company=company,
            name="Overlap",
            time_zone="Asia/Shanghai",
            country="",
            week={"0": [["09:00", "13:00"], ["12:00", "18:00"]]},
        )
    assert refused.value.code == "calendar.overlapping_intervals"
    assert not BusinessCalendar.objects.filter(name="Overlap").exists()
