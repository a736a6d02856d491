"""Record visibility beyond leads and opportunities: activities and interactions follow the
records they are linked to, and the pipeline report, the forecast page and the customer 360
count only what the user may see — for a rep of team North, a rep of team South, North's
leader and the owner."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client

from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.models import Activity
from tests.factories import UserFactory

D = Decimal
DUE = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def people(company, owner, rep):
    """North: leader Lin, member Rita (rep); South: member Sam. Visibility on."""
    users = {"rita": rep, "owner": owner}
    for name in ("lin", "sam"):
        users[name] = UserFactory(username=name, first_name=name.title())
        membership_grant(user=users[name], company=company, roles=["sales"])
    services.team_create(company=company, name="North", leader=users["lin"], members=[rep])
    services.team_create(company=company, name="South", members=[users["sam"]])
    services.crm_settings_update(company=company, team_visibility=True)
    return users


@pytest.fixture
def book(company, people, make_party, make_opportunity):
    """One customer with a North deal (Rita's) and a South deal (Sam's), each with an activity
    and an interaction; plus a party-only call and Sam's own task on Rita's deal."""
    party = make_party("Shared Customer")
    rita_opp = make_opportunity(
        "North deal", party=party, owner=people["rita"], revenue="1000.00", probability=50
    )
    sam_opp = make_opportunity(
        "South deal", party=party, owner=people["sam"], revenue="3000.00", probability=20
    )

    def activity(summary, owner, **links):
        return services.activity_create(
            company=company, kind="call", summary=summary, due_at=DUE, owner=owner, **links
        )

    def interaction(subject, user, **links):
        return services.interaction_log(
            company=company, kind="call", subject=subject, user=user, party=party, **links
        )

    return {
        "party": party,
        "rita_opp": rita_opp,
        "sam_opp": sam_opp,
        "rita_call": activity("Call North", people["rita"], party=party, opportunity=rita_opp),
        "sam_call": activity("Call South", people["sam"], party=party, opportunity=sam_opp),
        "party_call": activity("Call the customer", people["owner"], party=party),
        "sam_task_on_north": activity("Sam helps North", people["sam"], opportunity=rita_opp),
        "rita_note": interaction("North note", people["rita"], opportunity=rita_opp),
        "sam_note": interaction("South note", people["sam"], opportunity=sam_opp),
    }


def summaries(client, path):
    body = client.get(path).json()
    key = "summary" if path.startswith("/activities") else "subject"
    return {row[key] for row in body["items"]}


def test_activity_and_interaction_lists_per_user(company, people, book, api_as):
    rita, sam, lin, owner = (api_as(people[n], company) for n in ("rita", "sam", "lin", "owner"))

    assert summaries(rita, "/activities") == {"Call North", "Call the customer", "Sam helps North"}
    # Sam sees his own task on the North deal, not Rita's call on it
    assert summaries(sam, "/activities") == {"Call South", "Call the customer", "Sam helps North"}
    assert summaries(lin, "/activities") == {"Call North", "Call the customer", "Sam helps North"}
    assert len(summaries(owner, "/activities")) == 4
    assert summaries(rita, "/interactions") == {"North note"}
    assert summaries(sam, "/interactions") == {"South note"}
    assert summaries(owner, "/interactions") == {"North note", "South note"}


def test_hidden_activities_and_interactions_answer_404_and_stay_unchanged(
    company, people, book, api_as
):
    sam = api_as(people["sam"], company)

    read = sam.get(f"/activities/{book['rita_call'].pk}")
    done = sam.post(f"/activities/{book['rita_call'].pk}/done", {"outcome": "x"})
    note = sam.get(f"/interactions/{book['rita_note'].pk}")
    own = sam.post(f"/activities/{book['sam_task_on_north'].pk}/done", {"outcome": "helped"})

    assert (read.status_code, read.json()["code"]) == (404, "activity.not_found")
    assert (done.status_code, note.status_code) == (404, 404)
    assert note.json()["code"] == "interaction.not_found"
    assert own.status_code == 200
    assert Activity.objects.get(pk=book["rita_call"].pk).state == "planned"


def test_the_activity_done_page_refuses_a_hidden_activity(company, people, book):
    client = Client()
    client.force_login(people["sam"])

    response = client.post(f"/crm/activities/{book['rita_call'].pk}/done/", {"outcome": "x"})

    assert response.status_code == 404
    assert Activity.objects.get(pk=book["rita_call"].pk).state == "planned"


def test_the_pipeline_report_counts_only_visible_opportunities(company, people, book, api_as):
    totals = {
        name: api_as(people[name], company).get("/reports/pipeline").json()["totals"]
        for name in ("rita", "sam", "lin", "owner")
    }
    win_rate = api_as(people["sam"], company).get("/reports/pipeline/win-rate").json()

    figures = {
        n: (t["count"], t["expected_revenue"], t["weighted_revenue"]) for n, t in totals.items()
    }
    assert figures == {
        "rita": (1, "1000.00", "500.00"),
        "sam": (1, "3000.00", "600.00"),
        "lin": (1, "1000.00", "500.00"),
        "owner": (2, "4000.00", "1100.00"),
    }
    assert sum(row["open"] for row in win_rate["rows"]) == 1


def test_the_forecast_page_shows_only_visible_figures(company, people, book):
    client = Client()
    client.force_login(people["sam"])

    page = client.get("/crm/opportunities/forecast/").content.decode()

    assert "600.00" in page
    assert "1,100.00" not in page and "1100.00" not in page


def test_the_customer_360_hides_other_teams_records(company, people, book, api_as):
    sam = api_as(people["sam"], company).get(f"/parties/{book['party'].pk}/overview").json()
    owner = api_as(people["owner"], company).get(f"/parties/{book['party'].pk}/overview").json()

    def titles(view):
        return {(e["kind"], e["title"]) for e in view["timeline"]}

    assert ("opportunity", "North deal") not in titles(sam)
    assert ("activity", "Call North") not in titles(sam)
    assert ("interaction", "North note") not in titles(sam)
    assert {("opportunity", "South deal"), ("activity", "Call the customer")} <= titles(sam)
    assert [o["name"] for o in sam["open_opportunities"]] == ["South deal"]
    assert {("opportunity", "North deal"), ("interaction", "North note")} <= titles(owner)
    assert sam["timeline_count"] < owner["timeline_count"]


def test_the_pipeline_export_counts_only_visible_opportunities(company, people, book, api_as):
    import csv
    import io

    def exported(name):
        response = api_as(people[name], company).get("/reports/pipeline", {"format": "csv"})
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))

    sam, owner = exported("sam"), exported("owner")

    assert sam[0] == [
        "month",
        "label",
        "team",
        "count",
        "expected_revenue",
        "weighted_revenue",
        "missing_rate",
    ]
    assert sam[-1][3:6] == ["1", "3000.00", "600.00"]
    assert owner[-1][3:6] == ["2", "4000.00", "1100.00"]
