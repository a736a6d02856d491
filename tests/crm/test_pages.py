import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.models import (
    Activity,
    Interaction,
    Lead,
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)
from tests.factories import UserFactory

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


@pytest.fixture
def data(company, owner, stages, make_party, make_lead, make_opportunity):
    party = make_party("Lotus Foods", email="sales@lotus.example")
    lead = make_lead(contact_name="Wang Fang", email="sales@lotus.example", source="web_form")
    opp = make_opportunity(
        "Fleet renewal", party=party, revenue="10000", stage=stages["Qualified"], owner=owner
    )
    activity = services.activity_create(
        company=company,
        kind="call",
        summary="Call about the fleet",
        due_at=timezone.now() + timedelta(hours=2),
        owner=owner,
        opportunity=opp,
    )
    return {"party": party, "lead": lead, "opp": opp, "activity": activity}


def _pages(data):
    lead, opp = data["lead"], data["opp"]
    return [
        "/crm/",
        "/crm/leads/",
        "/crm/leads/new/",
        f"/crm/leads/{lead.pk}/",
        f"/crm/leads/{lead.pk}/edit/",
        "/crm/opportunities/",
        "/crm/opportunities/board/",
        "/crm/opportunities/forecast/",
        "/crm/opportunities/new/",
        f"/crm/opportunities/{opp.pk}/",
        f"/crm/opportunities/{opp.pk}/edit/",
        "/crm/settings/",
        f"/crm/settings/stages/{opp.stage_id}/",
    ]


def test_every_page_renders_in_english_and_chinese(web, data):
    for path in _pages(data):
        english = web.get(path, headers={"Accept-Language": "en"})
        chinese = web.get(path, headers=ZH)
        assert english.status_code == 200, path
        assert chinese.status_code == 200, path
        assert '<html lang="en">' in english.content.decode(), path
        page = chinese.content.decode()
        assert '<html lang="zh-hans">' in page, path
        assert "仪表盘" in page, path  # the shared navigation, from the central catalog


def test_anonymous_users_are_sent_to_login(data):
    response = Client().get("/crm/leads/")
    assert (response.status_code, response["Location"][:7]) == (302, "/login/")


def test_another_companys_records_are_404(web, other_company, make_lead, make_opportunity):
    lead = make_lead(of=other_company)
    opp = make_opportunity(of=other_company)

    for path in (f"/crm/leads/{lead.pk}/", f"/crm/opportunities/{opp.pk}/"):
        assert web.get(path).status_code == 404
    assert web.post(f"/crm/opportunities/{opp.pk}/win/").status_code == 404
    opp.refresh_from_db()
    assert opp.state == "open"


# -- leads ---------------------------------------------------------------------------------------


def test_lead_list_filters_and_exports(web, data, make_lead):
    make_lead(contact_name="Li Lei", source="referral")

    page = web.get("/crm/leads/", {"source": "web_form"}).content.decode()
    assert "Wang Fang" in page and "Li Lei" not in page
    assert "Export CSV" in page and "Export XLSX" in page

    response = web.get("/crm/leads/export/", {"format": "csv", "source": "referral"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:6] == ["id", "name", "contact_name", "company_name", "email", "phone"]
    assert [(r[2], r[6], r[8]) for r in rows[1:]] == [("Li Lei", "referral", "new")]

    xlsx = web.get("/crm/leads/export/", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3
    assert web.get("/crm/leads/export/", {"format": "pdf"}).status_code == 404


def test_lead_page_shows_the_match_and_qualifies_by_post(web, data):
    lead = data["lead"]

    page = web.get(f"/crm/leads/{lead.pk}/").content.decode()
    assert 'data-testid="lead-match"' in page and "Lotus Foods" in page
    assert web.get(f"/crm/leads/{lead.pk}/qualify/").status_code == 405

    response = web.post(
        f"/crm/leads/{lead.pk}/qualify/",
        {"name": "Lotus order", "stage": "", "expected_revenue": "8000", "close_date": ""},
    )

    lead.refresh_from_db()
    assert lead.state == "qualified"
    assert response["Location"] == f"/crm/opportunities/{lead.opportunity_id}/"
    assert (lead.opportunity.name, lead.opportunity.party) == ("Lotus order", data["party"])
    assert lead.opportunity.expected_revenue == Decimal("8000.00")


def test_disqualify_without_a_reason_shows_the_error_and_changes_nothing(web, data):
    lead = data["lead"]

    response = web.post(f"/crm/leads/{lead.pk}/disqualify/", {"reason": ""}, follow=True)

    assert "This field is required." in response.content.decode()
    lead.refresh_from_db()
    assert lead.state == "new"


def test_lead_form_creates_with_errors_first(web, company):
    bad = web.post("/crm/leads/new/", {"contact_name": "Wang", "email": "nope", "source": "manual"})
    assert bad.status_code == 200 and "Enter a valid email address." in bad.content.decode()
    assert Lead.objects.count() == 0

    good = web.post(
        "/crm/leads/new/",
        {"contact_name": "Wang", "email": "w@example.com", "source": "manual"},
    )
    lead = Lead.objects.get()
    assert good["Location"] == f"/crm/leads/{lead.pk}/"
    assert (lead.name, lead.source) == ("Wang", "manual")


# -- the board -----------------------------------------------------------------------------------


def test_the_board_renders_every_column_with_counts_and_cards(web, data, stages):
    page = web.get("/crm/opportunities/board/").content.decode()

    assert page.count('data-testid="column"') == 6
    for stage in stages.values():
        assert f'data-stage="{stage.pk}"' in page
    assert 'draggable="true"' in page and "Fleet renewal" in page
    assert 'src="/static/crm/board.js"' in page and "data-csrf=" in page
    assert 'id="lose-dialog"' in page
    assert "2,000.00 / 10,000.00" in page  # weighted / expected in the Qualified column


def test_board_js_is_served_without_a_cdn(web):
    response = web.get("/static/crm/board.js")
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert "dragstart" in body and "X-CSRFToken" in body and "http" not in body.split("*/", 1)[1]


def test_a_drop_posts_the_move_and_gets_the_columns_back(web, data, stages):
    opp = data["opp"]

    response = web.post(
        f"/crm/opportunities/{opp.pk}/move/",
        {"stage": stages["Negotiation"].pk, "team": "", "owner": "", "search": ""},
        headers={"X-Tandem-Board": "1"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.count('data-testid="column"') == 6
    opp.refresh_from_db()
    assert (opp.stage, opp.probability) == (stages["Negotiation"], 75)
    change = OpportunityStageChange.objects.filter(opportunity=opp).last()
    assert (change.from_stage, change.to_stage) == (stages["Qualified"], stages["Negotiation"])


def test_a_refused_drop_answers_the_columns_with_the_error(web, data, stages, reasons):
    opp = data["opp"]
    services.opportunity_win(opportunity=opp)

    response = web.post(
        f"/crm/opportunities/{opp.pk}/move/",
        {"stage": stages["New"].pk},
        headers={"X-Tandem-Board": "1"},
    )

    assert response.status_code == 409
    assert 'data-testid="board-error"' in response.content.decode()
    opp.refresh_from_db()
    assert opp.stage == stages["Won"]


def test_a_drop_on_lost_sends_the_reason(web, data, stages, reasons):
    opp = data["opp"]

    response = web.post(
        f"/crm/opportunities/{opp.pk}/move/",
        {"stage": stages["Lost"].pk, "lost_reason": reasons["Too expensive"].pk},
        headers={"X-Tandem-Board": "1"},
    )

    assert response.status_code == 200
    opp.refresh_from_db()
    assert (opp.state, opp.lost_reason) == ("lost", reasons["Too expensive"])


def test_the_move_is_post_only_with_csrf(owner, data, stages):
    opp = data["opp"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    assert client.get(f"/crm/opportunities/{opp.pk}/move/").status_code == 405
    assert client.post(f"/crm/opportunities/{opp.pk}/move/", {"stage": 1}).status_code == 403
    opp.refresh_from_db()
    assert opp.stage == stages["Qualified"]


def test_the_cards_own_form_moves_without_script(web, data, stages):
    opp = data["opp"]

    response = web.post(f"/crm/opportunities/{opp.pk}/move/", {"stage": stages["Proposal"].pk})

    assert response["Location"] == "/crm/opportunities/board/"
    opp.refresh_from_db()
    assert opp.stage == stages["Proposal"]


def test_a_read_only_user_sees_the_board_but_cannot_move(company, data, stages):
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=company, roles=["readonly"])
    client = Client()
    client.force_login(reader)

    page = client.get("/crm/opportunities/board/").content.decode()
    response = client.post(f"/crm/opportunities/{data['opp'].pk}/move/", {"stage": 1})

    assert "Fleet renewal" in page and 'draggable="true"' not in page
    assert response.status_code == 403


# -- opportunity, forecast, my day ---------------------------------------------------------------


def test_opportunity_page_shows_history_and_logs_an_interaction(web, data, stages):
    opp = data["opp"]

    page = web.get(f"/crm/opportunities/{opp.pk}/").content.decode()
    assert 'id="stage-history"' in page and 'data-testid="time-in-stage"' in page
    assert "Call about the fleet" in page and "Log an interaction" in page

    response = web.post(
        "/crm/interactions/new/",
        {
            "opportunity": opp.pk,
            "kind": "call",
            "direction": "out",
            "duration_minutes": "12",
            "subject": "Pricing",
            "outcome": "Wants 5% off",
            "next": f"/crm/opportunities/{opp.pk}/",
        },
    )

    assert response["Location"] == f"/crm/opportunities/{opp.pk}/"
    touch = Interaction.objects.get()
    assert (touch.opportunity, touch.party, touch.duration_minutes, touch.outcome) == (
        opp,
        opp.party,
        12,
        "Wants 5% off",
    )


def test_win_and_lose_buttons_post(web, data, reasons, make_opportunity):
    opp = data["opp"]
    other = make_opportunity("Second")

    web.post(f"/crm/opportunities/{opp.pk}/win/")
    web.post(f"/crm/opportunities/{other.pk}/lose/", {"reason": reasons["No budget"].pk})

    assert list(Opportunity.objects.order_by("name").values_list("name", "state")) == [
        ("Fleet renewal", "won"),
        ("Second", "lost"),
    ]


def test_forecast_page_shows_the_weighted_figures(web, company, stages, make_opportunity):
    make_opportunity("A", revenue="10000", stage=stages["Qualified"], close_date=date(2026, 4, 1))
    make_opportunity("B", revenue="50000", stage=stages["Proposal"], close_date=date(2026, 4, 9))

    page = web.get("/crm/opportunities/forecast/").content.decode()
    by_stage = web.get("/crm/opportunities/forecast/", {"group_by": "stage"}).content.decode()

    assert "2026-04" in page
    assert '<th class="num" data-testid="weighted-total">27,000.00</th>' in page
    assert 'class="crm-bar"' in page and "<svg" in page
    assert "Proposal" in by_stage and "25,000.00" in by_stage


def test_my_day_lists_and_marks_done(web, data):
    activity = data["activity"]

    page = web.get("/crm/").content.decode()
    assert "Call about the fleet" in page

    web.post(f"/crm/activities/{activity.pk}/done/", {"outcome": "Agreed on a visit"})

    activity.refresh_from_db()
    assert (activity.state, activity.outcome) == ("done", "Agreed on a visit")
    assert "Done: Call about the fleet" in web.get("/crm/").content.decode()  # the message
    assert "Call about the fleet" not in web.get("/crm/").content.decode()


def test_plan_an_activity_from_a_lead(web, owner, data):
    lead = data["lead"]
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    web.post(
        "/crm/activities/new/",
        {
            "lead": lead.pk,
            "kind": "email",
            "summary": "Send catalogue",
            "due_at": due,
            "owner": owner.pk,
            "next": f"/crm/leads/{lead.pk}/",
        },
    )

    activity = Activity.objects.get(lead=lead)
    assert (activity.kind, activity.summary, activity.owner) == ("email", "Send catalogue", owner)


def test_calendar_address_is_made_on_request(web, owner):
    assert 'data-testid="feed-url"' not in web.get("/crm/").content.decode()

    web.post("/crm/calendar/")

    page = web.get("/crm/").content.decode()
    token = owner.crm_calendar_feed.token
    assert f"http://testserver/crm/activities/{token}.ics" in page


# -- settings ------------------------------------------------------------------------------------


def test_settings_page_configures_the_pipeline_and_shows_the_snippet(web, company, owner):
    page = web.get("/crm/settings/").content.decode()
    assert "http://testserver/crm/forms/ACME/lead/" in page
    assert "&lt;form method=&quot;post&quot;" in page and "homepage" in page

    web.post("/crm/settings/", {"form": "reason", "reason-name": "Timing"})
    web.post(
        "/crm/settings/", {"form": "team", "team-name": "Key accounts", "team-members": [owner.pk]}
    )
    web.post(
        "/crm/settings/",
        {"form": "stage", "stage-name": "Demo", "stage-probability": "35", "stage-sequence": "25"},
    )

    page = web.get("/crm/settings/").content.decode()
    assert "Timing" in page and "Key accounts" in page and "Demo" in page
    stage = PipelineStage.objects.get(name="Demo")
    assert (stage.team, stage.sequence, stage.probability) == (None, 25, 35)
