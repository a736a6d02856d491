"""Agents' working hours and absences through the API and the team's agents page (issue 16):
the hours assignment uses and where they come from, set per agent; bad input refused with
nothing written."""

import pytest

from tandem.core.calendars import business_calendar_create
from tandem.core.services import company_create, membership_grant
from tandem.service import services
from tandem.service.models import AgentAbsence, TeamAgent
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
    bob = UserFactory(username="bob", first_name="Bob", last_name="Late")
    membership_grant(user=bob, company=company, roles=["service"])
    team.members.add(bob)
    late = _calendar(company, "Late shift", "14:00", "22:00")
    return team, agent, bob, late


@pytest.fixture
def lead_api(api_as, owner, company):
    return api_as(owner, company)


def test_an_agents_own_hours_are_set_and_read_back(lead_api, crew, calendar):
    team, ann, bob, late = crew
    listed = lead_api.listed(f"/service-teams/{team.pk}/agents")
    assert listed["count"] == 2
    by_user = {row["user"]: row for row in listed["items"]}
    assert (by_user[bob.pk]["calendar"], by_user[bob.pk]["hours"]) == (None, calendar.pk)
    assert by_user[bob.pk]["hours_source"] == "team"
    assert by_user[bob.pk]["name"] == "Bob Late"

    answer = lead_api.patch(
        f"/service-teams/{team.pk}/agents/{bob.pk}", {"calendar": late.pk, "languages": ["en"]}
    )
    assert answer.status_code == 200, answer.content
    row = answer.json()
    assert (row["calendar"], row["hours"], row["hours_source"], row["hours_name"]) == (
        late.pk,
        late.pk,
        "agent",
        "Late shift",
    )
    assert row["languages"] == ["en"]
    # a field left out keeps its value; null clears the own hours (the team's again)
    again = lead_api.patch(f"/service-teams/{team.pk}/agents/{bob.pk}", {"calendar": None})
    assert (again.json()["hours_source"], again.json()["languages"]) == ("team", ["en"])
    assert TeamAgent.objects.get(team=team, user=bob).calendar is None
    assert lead_api.get(f"/service-teams/{team.pk}/agents/{ann.pk}").json()["user"] == ann.pk


def test_assignment_follows_the_hours_set_through_the_api(lead_api, company, crew):
    team, ann, bob, late = crew
    team = services.team_update(team=team, assignment="round_robin")
    lead_api.patch(f"/service-teams/{team.pk}/agents/{bob.pk}", {"calendar": late.pk})
    # Monday 20:00 Shanghai: only Bob's late shift works
    ticket = services.ticket_create(
        company=company, subject="Evening", channel="api", team=team, now=at(2026, 12, 7, 20, 0)
    )
    assert ticket.assignee == bob
    rows = {r["user"].pk: r for r in services.team_agents_hours(team, now=at(2026, 12, 7, 20, 0))}
    assert (rows[bob.pk]["at_work"], rows[ann.pk]["at_work"]) == (True, False)
    # Ann's next shift: Tuesday 09:00
    assert rows[ann.pk]["next_shift"] == at(2026, 12, 8, 9, 0)


def test_bad_input_is_refused_and_nothing_is_written(lead_api, company, crew):
    team, ann, bob, late = crew
    other = company_create(code="OTH", name="Other", currency="CNY", country="CN")
    theirs = _calendar(other, "Theirs", "00:00", "24:00")
    refused = lead_api.patch(f"/service-teams/{team.pk}/agents/{bob.pk}", {"calendar": theirs.pk})
    assert (refused.status_code, refused.json()["code"]) == (422, "reference.invalid")
    assert not TeamAgent.objects.filter(team=team, user=bob).exists()
    # a user of the company outside the team, an unknown user
    outsider = UserFactory(username="carl")
    membership_grant(user=outsider, company=company, roles=["service"])
    for user_id in (outsider.pk, 10**9):
        answer = lead_api.patch(f"/service-teams/{team.pk}/agents/{user_id}", {"calendar": None})
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    # another company's team is a 404
    their_team = services.team_create(company=other, name="Theirs")
    for call in (
        lambda: lead_api.get(f"/service-teams/{their_team.pk}/agents"),
        lambda: lead_api.patch(f"/service-teams/{their_team.pk}/agents/{bob.pk}", {}),
        lambda: lead_api.get(f"/service-teams/{their_team.pk}/absences"),
    ):
        assert call().status_code == 404
    # a language that is not a string
    bad = lead_api.patch(f"/service-teams/{team.pk}/agents/{bob.pk}", {"languages": [7]})
    assert bad.status_code == 422
    assert not TeamAgent.objects.filter(team=team, user=bob).exists()


def test_absences_through_the_api(lead_api, company, crew):
    team, ann, bob, late = crew
    team = services.team_update(team=team, assignment="round_robin")
    answer = lead_api.post(
        f"/service-teams/{team.pk}/absences",
        {
            "user": ann.pk,
            "start": "2026-12-07T00:00:00+08:00",
            "end": "2026-12-08T00:00:00+08:00",
            "note": "doctor",
        },
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["user"] == ann.pk
    assert lead_api.listed(f"/service-teams/{team.pk}/absences")["count"] == 1
    # Ann is away on Monday: Bob takes the tickets
    got = {
        services.ticket_create(
            company=company, subject="x", channel="api", team=team, now=at(2026, 12, 7, 10, 0)
        ).assignee
        for _ in range(2)
    }
    assert got == {bob}
    # bad input: end before start, a naive time, a user outside the team
    outsider = UserFactory(username="carl")
    membership_grant(user=outsider, company=company, roles=["service"])
    for body, code in (
        (
            {"user": ann.pk, "start": "2026-12-08T00:00:00+08:00", "end": "2026-12-07T00:00:00Z"},
            "validation.range",
        ),
        ({"user": ann.pk, "start": "2026-12-08T00:00:00", "end": "2026-12-09T00:00:00"}, None),
        (
            {"user": outsider.pk, "start": "2026-12-08T00:00:00Z", "end": "2026-12-09T00:00Z"},
            "reference.invalid",
        ),
    ):
        refused = lead_api.post(f"/service-teams/{team.pk}/absences", body)
        assert refused.status_code == 422, refused.content
        if code:
            assert refused.json()["code"] == code
    assert AgentAbsence.objects.count() == 1


def test_the_agents_page_shows_and_sets_the_hours(web, crew, calendar):
    team, ann, bob, late = crew
    page = web.get(f"/service/teams/{team.pk}/agents/")
    assert page.status_code == 200
    assert b"Late shift" in page.content and b"team calendar" in page.content
    saved = web.post(
        f"/service/teams/{team.pk}/agents/",
        {"action": "hours", "user": bob.pk, "calendar": late.pk, "languages": "en, zh-hans"},
    )
    assert saved.status_code == 302
    row = TeamAgent.objects.get(team=team, user=bob)
    assert (row.calendar, row.languages) == (late, ["en", "zh-hans"])
    page = web.get(f"/service/teams/{team.pk}/agents/")
    assert b"agent&#x27;s own" in page.content or b"agent's own" in page.content
    # an absence with its end before its start: refused, nothing written
    web.post(
        f"/service/teams/{team.pk}/agents/",
        {
            "action": "absence",
            "user": ann.pk,
            "start": "2026-12-08T09:00",
            "end": "2026-12-07T09:00",
        },
    )
    assert not AgentAbsence.objects.exists()
    web.post(
        f"/service/teams/{team.pk}/agents/",
        {
            "action": "absence",
            "user": ann.pk,
            "start": "2026-12-08T09:00",
            "end": "2026-12-08T18:00",
        },
    )
    absence = AgentAbsence.objects.get()
    assert (absence.user, absence.start, absence.end) == (
        ann,
        at(2026, 12, 8, 9, 0),
        at(2026, 12, 8, 18, 0),
    )
