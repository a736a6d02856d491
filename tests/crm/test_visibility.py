"""Record visibility: with the setting on, reps see their own team's leads and opportunities,
team leaders their teams, owners and admins everything — in lists, the board, detail pages,
the API (404), exports and search."""

import csv
import io

import pytest
from django.test import Client

from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.queries.visibility import scope_for
from tests.factories import UserFactory


@pytest.fixture
def teams(company, owner, rep):
    """North: leader Lin, members Rita (rep) and Nick; South: member Sam."""
    users = {}
    for name in ("lin", "nick", "sam"):
        users[name] = UserFactory(username=name, first_name=name.title())
        membership_grant(user=users[name], company=company, roles=["sales"])
    north = services.team_create(
        company=company, name="North", leader=users["lin"], members=[rep, users["nick"]]
    )
    south = services.team_create(company=company, name="South", members=[users["sam"]])
    users.update(rita=rep, owner=owner, north=north, south=south)
    return users


@pytest.fixture
def records(company, teams, make_lead, make_opportunity):
    return {
        "rita_lead": make_lead(name="Rita lead", owner=teams["rita"]),
        "nick_lead": make_lead(name="Nick lead", owner=teams["nick"]),
        "sam_lead": make_lead(name="Sam lead", owner=teams["sam"], team=teams["south"]),
        "north_lead": make_lead(name="Unowned north lead", team=teams["north"]),
        "rita_opp": make_opportunity("Rita deal", owner=teams["rita"]),
        "sam_opp": make_opportunity("Sam deal", owner=teams["sam"]),
    }


@pytest.fixture
def restricted(company):
    services.crm_settings_update(company=company, team_visibility=True)


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_off_by_default_everyone_sees_everything(company, teams, records, api_as):
    answer = api_as(teams["sam"], company).get("/leads")

    assert scope_for(teams["sam"], company) is None
    assert answer.json()["count"] == 4


def test_the_api_lists_only_visible_records_and_answers_404_for_the_rest(
    company, teams, records, restricted, api_as
):
    rita, sam, lin = (api_as(teams[n], company) for n in ("rita", "sam", "lin"))

    assert {lead["name"] for lead in rita.get("/leads").json()["items"]} == {
        "Rita lead",
        "Nick lead",
        "Unowned north lead",
    }
    assert {lead["name"] for lead in sam.get("/leads").json()["items"]} == {"Sam lead"}
    assert lin.get("/leads").json()["count"] == 3  # the leader sees the North team
    assert [o["name"] for o in sam.get("/opportunities").json()["items"]] == ["Sam deal"]
    hidden = sam.get(f"/opportunities/{records['rita_opp'].pk}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "opportunity.not_found")
    refused = sam.post(f"/leads/{records['rita_lead'].pk}/disqualify", {"reason": "x"})
    assert refused.status_code == 404
    assert sam.get(f"/leads/{records['sam_lead'].pk}").status_code == 200
    records["rita_lead"].refresh_from_db()
    assert records["rita_lead"].state == "new"


def test_owners_and_admins_see_everything(company, teams, records, restricted, api):
    assert api.get("/leads").json()["count"] == 4
    assert api.get("/opportunities").json()["count"] == 2


def test_pages_board_detail_search_and_export_follow_the_same_rule(
    company, teams, records, restricted
):
    sam = login(teams["sam"])

    listing = sam.get("/crm/leads/").content.decode()
    searched = sam.get("/crm/leads/", {"search": "lead"}).content.decode()
    board = sam.get("/crm/opportunities/board/").content.decode()
    opp_list = sam.get("/crm/opportunities/").content.decode()
    detail = sam.get(f"/crm/leads/{records['rita_lead'].pk}/")
    opp_detail = sam.get(f"/crm/opportunities/{records['rita_opp'].pk}/")
    export = sam.get("/crm/leads/export/", {"format": "csv"})

    assert "Sam lead" in listing and "Rita lead" not in listing
    assert "Sam lead" in searched and "Nick lead" not in searched
    assert "Sam deal" in board and "Rita deal" not in board
    assert "Sam deal" in opp_list and "Rita deal" not in opp_list
    assert (detail.status_code, opp_detail.status_code) == (404, 404)
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["Sam lead"]


def test_the_settings_page_turns_it_on(company, teams, web):
    response = web.post("/crm/settings/", {"form": "visibility", "team_visibility": "on"})

    assert response.status_code == 302
    assert scope_for(teams["sam"], company).team_ids == frozenset({teams["south"].pk})
