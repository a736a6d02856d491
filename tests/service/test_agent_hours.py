"""Per-agent working hours in assignment (issue 16, step 4): an agent's own calendar in the
team, else the linked HR employee's working calendar, else the team's; agents at work are
picked, and when nobody is, those whose shift starts first."""

from datetime import date

import pytest

from tandem.core.calendars import business_calendar_create
from tandem.core.errors import ValidationFailed
from tandem.core.services import company_create, membership_grant
from tandem.service import services
from tandem.service.models import TeamAgent
from tests.factories import UserFactory

from .conftest import at


def _calendar(company, name, start, end):
    return business_calendar_create(
        company=company,
        name=name,
        time_zone="Asia/Shanghai",
        country="",
        week={str(d): [[start, end]] for d in range(5)},
    )


@pytest.fixture
def crew(company, team, agent):
    """Ann on the team's hours (09-12, 13-18), Bob on a late shift (14-22), Cat on an early
    shift (06-14); round robin."""
    users = [agent]
    for name in ("bob", "cat"):
        user = UserFactory(username=name)
        membership_grant(user=user, company=company, roles=["service"])
        users.append(user)
    team.members.add(*users[1:])
    late = _calendar(company, "Late shift", "14:00", "22:00")
    early = _calendar(company, "Early shift", "06:00", "14:00")
    services.team_agent_set(team=team, user=users[1], calendar=late)
    services.team_agent_set(team=team, user=users[2], calendar=early)
    team = services.team_update(team=team, assignment="round_robin")
    return team, users, late


def new(company, team, when):
    return services.ticket_create(
        company=company, subject="Help", channel="api", team=team, now=when
    ).assignee


def test_agents_at_work_take_turns_and_the_others_wait(company, crew):
    team, (ann, bob, cat), _late = crew
    # Monday 10:00: Ann and Cat work, Bob's shift starts at 14:00
    assert [new(company, team, at(2026, 12, 7, 10, 0)) for _ in range(3)] == [ann, cat, ann]
    # 12:30: Ann is at lunch, Cat still works
    assert new(company, team, at(2026, 12, 7, 12, 30)) == cat
    # 20:00: only Bob
    assert new(company, team, at(2026, 12, 7, 20, 0)) == bob


def test_at_night_the_first_shift_of_the_morning_takes_the_ticket(company, crew):
    team, (ann, bob, cat), _late = crew
    # Monday 23:00: nobody works; Cat starts first (06:00 Tuesday)
    assert new(company, team, at(2026, 12, 7, 23, 0)) == cat
    # Friday 23:00: the next shifts are Monday's, Cat's again first
    assert new(company, team, at(2026, 12, 11, 23, 0)) == cat


def test_an_hr_employee_calendar_counts_unless_the_team_sets_one(company, crew):
    from tandem.hr.services.org import employee_create, employee_version_create

    team, (ann, bob, cat), late = crew
    # Ann's HR record puts her on the late shift
    employee = employee_create(
        company=company, number="E1", name="Ann", hire_date=date(2020, 1, 1), user=ann
    )
    employee_version_create(employee=employee, effective_from=date(2020, 1, 1), calendar=late)
    # 20:00: Ann (HR late shift) and Bob (late shift in the team) both work
    assert {new(company, team, at(2026, 12, 7, 20, 0)) for _ in range(2)} == {ann, bob}
    # the team's own setting wins over HR's: Ann back on the early shift
    early = TeamAgent.objects.get(team=team, user=cat).calendar
    services.team_agent_set(team=team, user=ann, calendar=early)
    assert [new(company, team, at(2026, 12, 7, 20, 0)) for _ in range(2)] == [bob, bob]


def test_the_same_hours_for_everyone_change_nothing(company, team, agent):
    """Without own calendars the team's hours hold for all: round robin as before, also at
    night (everyone starts at the same time)."""
    bob = UserFactory(username="bob")
    membership_grant(user=bob, company=company, roles=["service"])
    team.members.add(bob)
    team = services.team_update(team=team, assignment="round_robin")
    got = [new(company, team, at(2026, 12, 7, h, 0)) for h in (10, 23, 3)]
    assert got == [agent, bob, agent]


def test_another_companys_calendar_is_refused_and_nothing_changes(company, crew):
    team, (ann, bob, cat), late = crew
    other = company_create(code="OTH", name="Other", currency="CNY", country="CN")
    theirs = _calendar(other, "Theirs", "00:00", "24:00")
    with pytest.raises(ValidationFailed) as refused:
        services.team_agent_set(team=team, user=bob, calendar=theirs, languages=["en"])
    assert refused.value.code == "reference.invalid"
    row = TeamAgent.objects.get(team=team, user=bob)
    assert (row.calendar, row.languages) == (late, [])
