from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.core.services import membership_grant
from tandem.crm import services
from tandem.crm.models import Activity, Lead, Opportunity, OpportunityStageChange
from tandem.parties.models import Party
from tests.factories import UserFactory


@pytest.fixture
def stranger(other_company):
    user = UserFactory(username="stranger")
    membership_grant(user=user, company=other_company, roles=["owner"])
    return user


@pytest.fixture
def theirs(other_company, make_party, make_opportunity, make_lead):
    """Rows of the other company, which ACME's users must never reach."""
    party = make_party("Theirs", of=other_company)
    opp = make_opportunity("Their deal", party=party, of=other_company)
    lead = make_lead(of=other_company, company_name="Their lead")
    team = services.team_create(company=other_company, name="Their team")
    owner = UserFactory(username="their-rep")
    membership_grant(user=owner, company=other_company, roles=["sales"])
    activity = services.activity_create(
        company=other_company,
        kind="call",
        summary="X",
        due_at=timezone.now(),
        owner=owner,
        party=party,
    )
    interaction = services.interaction_log(company=other_company, kind="note", party=party)
    return {
        "party": party,
        "opportunity": opp,
        "lead": lead,
        "team": team,
        "stage": opp.stage,
        "reason": services.pipeline_seed(company=other_company) or opp.company,
        "activity": activity,
        "interaction": interaction,
        "user": owner,
    }


def _problem(response, status, code, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field]
    return body


# -- leads -----------------------------------------------------------------------------------


def test_lead_lifecycle_over_the_api(api, company, owner, stages, make_party):
    party = make_party("Lotus Foods", email="sales@lotus.example")

    created = api.post(
        "/leads",
        {"contact_name": "Wang Fang", "email": "Sales@Lotus.example", "phone": "13800138000"},
    )
    assert created.status_code == 201
    lead = created.json()
    assert {k: lead[k] for k in ("name", "source", "state", "matched_party", "match_on")} == {
        "name": "Wang Fang",
        "source": "api",
        "state": "new",
        "matched_party": party.pk,
        "match_on": "email",
    }
    assert lead["phone"] == "+8613800138000" and lead["company"] == company.pk

    patched = api.patch(f"/leads/{lead['id']}", {"campaign": "Expo", "owner": owner.pk})
    assert (patched.json()["campaign"], patched.json()["owner"]) == ("Expo", owner.pk)

    qualified = api.post(f"/leads/{lead['id']}/qualify", {"expected_revenue": "5000.5"})
    assert qualified.status_code == 200
    body = qualified.json()
    opp = Opportunity.objects.get(pk=body["opportunity"])
    assert (body["state"], opp.party, str(opp.expected_revenue), opp.owner) == (
        "qualified",
        party,
        "5000.50",
        owner,
    )

    again = api.post(f"/leads/{lead['id']}/qualify")
    problem = _problem(again, 409, "lead.already_qualified")
    assert problem["opportunity_id"] == opp.pk
    assert Opportunity.objects.count() == 1


def test_list_leads_with_search_and_filters(api, company, rep, make_lead):
    make_lead(contact_name="Wang Fang", source="web_form", owner=rep)
    make_lead(contact_name="Li Lei", company_name="Lotus", source="referral")
    make_lead(contact_name="Han Meimei", source="web_form", phone="13800138000")

    def names(**params):
        body = api.get("/leads", params).json()
        return body["count"], sorted(item["contact_name"] for item in body["items"])

    assert names() == (3, ["Han Meimei", "Li Lei", "Wang Fang"])
    assert names(source="web_form") == (2, ["Han Meimei", "Wang Fang"])
    assert names(owner=rep.pk) == (1, ["Wang Fang"])
    assert names(search="lotus") == (1, ["Li Lei"])
    assert names(search="138 0013") == (1, ["Han Meimei"])
    assert names(state="qualified") == (0, [])
    assert names(limit=1)[0] == 3


def test_disqualify_needs_a_reason_over_the_api(api, make_lead):
    lead = make_lead()

    blank = api.post(f"/leads/{lead.pk}/disqualify", {"reason": " "})
    missing = api.post(f"/leads/{lead.pk}/disqualify", {})
    done = api.post(f"/leads/{lead.pk}/disqualify", {"reason": "Duplicate"})

    _problem(blank, 422, "validation.required", "reason")
    _problem(missing, 422, "validation.invalid", "reason")
    assert (done.status_code, done.json()["state"]) == (200, "disqualified")
    _problem(api.post(f"/leads/{lead.pk}/disqualify", {"reason": "x"}), 409, "lead.disqualified")


def test_a_qualified_lead_is_not_deleted(api, make_lead):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus"))

    _problem(api.delete(f"/leads/{lead.pk}"), 409, "lead.already_qualified")
    assert Lead.objects.filter(pk=lead.pk).exists()
    fresh = make_lead()
    assert api.delete(f"/leads/{fresh.pk}").status_code == 204


# -- opportunities -----------------------------------------------------------------------------


def test_opportunity_create_move_win_over_the_api(api, company, owner, stages, make_party):
    party = make_party()

    created = api.post(
        "/opportunities",
        {
            "name": "Fleet",
            "party": party.pk,
            "expected_revenue": "10000",
            "close_date": "2026-04-30",
        },
    )
    assert created.status_code == 201
    opp = created.json()
    assert {k: opp[k] for k in ("stage", "stage_name", "probability", "weighted_revenue")} == {
        "stage": stages["New"].pk,
        "stage_name": "New",
        "probability": 10,
        "weighted_revenue": "1000.00",
    }
    assert (opp["party_name"], opp["currency"], opp["products"], opp["next_activity"]) == (
        party.name,
        "CNY",
        [],
        None,
    )

    moved = api.post(f"/opportunities/{opp['id']}/move", {"stage": stages["Proposal"].pk})
    assert (moved.json()["stage"], moved.json()["probability"]) == (stages["Proposal"].pk, 50)

    history = api.get(f"/opportunities/{opp['id']}/stage-changes").json()
    assert [(h["from_stage_name"], h["to_stage_name"], h["changed_by"]) for h in history] == [
        (None, "New", owner.pk),
        ("New", "Proposal", owner.pk),
    ]
    assert history[0]["seconds_in_stage"] >= 0 and history[1]["left_at"] is None

    won = api.post(f"/opportunities/{opp['id']}/win")
    assert (won.json()["state"], won.json()["stage"]) == ("won", stages["Won"].pk)

    refused = api.post(f"/opportunities/{opp['id']}/move", {"stage": stages["New"].pk})
    _problem(refused, 409, "opportunity.closed")
    assert OpportunityStageChange.objects.filter(opportunity_id=opp["id"]).count() == 3


def test_lose_over_the_api_needs_a_reason_of_the_company(
    api, other_company, reasons, theirs, make_opportunity
):
    from tandem.crm.models import LostReason

    opp = make_opportunity()
    foreign = LostReason.objects.filter(company=other_company).first()

    _problem(api.post(f"/opportunities/{opp.pk}/lose", {}), 422, "validation.invalid", "reason")
    _problem(
        api.post(f"/opportunities/{opp.pk}/lose", {"reason": foreign.pk}),
        422,
        "reference.invalid",
        "reason",
    )
    lost = api.post(f"/opportunities/{opp.pk}/lose", {"reason": reasons["No budget"].pk})
    assert (lost.json()["state"], lost.json()["lost_reason"]) == ("lost", reasons["No budget"].pk)


def test_move_to_a_stage_of_another_pipeline_or_company_is_422(
    api, company, theirs, make_opportunity
):
    team = services.team_create(company=company, name="KA")
    team_stage = services.stage_create(company=company, team=team, name="Discovery")
    opp = make_opportunity()

    for stage in (team_stage.pk, theirs["stage"].pk, 9_000_000):
        response = api.post(f"/opportunities/{opp.pk}/move", {"stage": stage})
        _problem(response, 422, "stage.invalid", "stage")
    opp.refresh_from_db()
    assert opp.stage.name == "New" and opp.stage_changes.count() == 1


def test_probability_outside_0_100_is_422(api, make_party, make_opportunity):
    party = make_party()
    opp = make_opportunity()

    create = api.post("/opportunities", {"name": "X", "party": party.pk, "probability": 101})
    patch = api.patch(f"/opportunities/{opp.pk}", {"probability": -1})

    _problem(create, 422, "validation.invalid", "probability")
    _problem(patch, 422, "validation.invalid", "probability")
    assert Opportunity.objects.count() == 1


# -- other companies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/leads/{lead}"),
        ("patch", "/leads/{lead}"),
        ("delete", "/leads/{lead}"),
        ("post", "/leads/{lead}/qualify"),
        ("get", "/opportunities/{opportunity}"),
        ("patch", "/opportunities/{opportunity}"),
        ("post", "/opportunities/{opportunity}/win"),
        ("get", "/opportunities/{opportunity}/stage-changes"),
        ("delete", "/opportunities/{opportunity}"),
        ("get", "/pipeline-stages/{stage}"),
        ("delete", "/pipeline-stages/{stage}"),
        ("get", "/sales-teams/{team}"),
        ("get", "/activities/{activity}"),
        ("post", "/activities/{activity}/done"),
        ("get", "/interactions/{interaction}"),
    ],
)
def test_another_companys_rows_are_404(api, theirs, method, path):
    url = path.format(**{k: v.pk for k, v in theirs.items() if hasattr(v, "pk")})

    response = getattr(api, method)(url)

    assert response.status_code == 404
    assert response.json()["code"].endswith(".not_found")


@pytest.mark.parametrize(
    "path,payload,field",
    [
        ("/opportunities", {"name": "X", "party": "party"}, "party"),
        ("/opportunities", {"name": "X", "party": "ours", "team": "team"}, "team"),
        ("/opportunities", {"name": "X", "party": "ours", "contact": "contact"}, "contact"),
        ("/opportunities", {"name": "X", "party": "ours", "owner": "user"}, "owner"),
        ("/leads", {"contact_name": "X", "team": "team"}, "team"),
        ("/leads", {"contact_name": "X", "owner": "user"}, "owner"),
        (
            "/activities",
            {"kind": "call", "summary": "X", "due_at": "2026-05-01T10:00:00", "party": "party"},
            "party",
        ),
        (
            "/activities",
            {
                "kind": "call",
                "summary": "X",
                "due_at": "2026-05-01T10:00:00",
                "opportunity": "opportunity",
            },
            "opportunity",
        ),
        ("/interactions", {"kind": "note", "lead": "lead"}, "lead"),
        ("/pipeline-stages", {"name": "X", "team": "team"}, "team"),
        ("/sales-teams", {"name": "X", "members": ["user"]}, "members"),
    ],
)
def test_another_companys_ids_in_a_payload_are_422_naming_the_field(
    api, make_party, theirs, path, payload, field
):
    from tandem.parties.services import contact_create

    theirs["contact"] = contact_create(party=theirs["party"], name="Their contact")
    theirs["ours"] = make_party("Ours")

    def swap(value):
        if isinstance(value, list):
            return [swap(v) for v in value]
        return theirs[value].pk if value in theirs else value

    body = {k: swap(v) for k, v in payload.items()}
    before = (Opportunity.objects.count(), Lead.objects.count(), Activity.objects.count())

    response = api.post(path, body)

    _problem(response, 422, "reference.invalid", field)
    assert (Opportunity.objects.count(), Lead.objects.count(), Activity.objects.count()) == before


def test_lists_show_only_the_companys_rows(api, theirs, make_lead, make_opportunity):
    make_lead()
    make_opportunity()

    for path in ("/leads", "/opportunities", "/activities", "/interactions", "/sales-teams"):
        items = api.get(path).json()["items"]
        assert all(item.get("company") != theirs["party"].company_id for item in items), path


# -- activities and interactions ---------------------------------------------------------------


def test_activity_done_over_the_api(api, owner, make_opportunity):
    opp = make_opportunity()

    created = api.post(
        "/activities",
        {
            "kind": "meeting",
            "summary": "Demo",
            "due_at": "2026-05-01T10:00:00",
            "opportunity": opp.pk,
        },
    )
    assert created.status_code == 201
    activity = created.json()
    # No offset: read in the company's time zone (Asia/Shanghai, UTC+8).
    assert activity["due_at"] == "2026-05-01T02:00:00Z"
    assert (activity["owner"], activity["party"], activity["state"]) == (
        owner.pk,
        opp.party_id,
        "planned",
    )
    assert api.get(f"/opportunities/{opp.pk}").json()["next_activity"]["id"] == activity["id"]

    done = api.post(f"/activities/{activity['id']}/done", {"outcome": "Signed the NDA"})
    assert (done.json()["state"], done.json()["outcome"]) == ("done", "Signed the NDA")
    _problem(api.post(f"/activities/{activity['id']}/done"), 409, "activity.not_planned")


def test_interactions_over_the_api(api, owner, make_party):
    party = make_party()

    logged = api.post(
        "/interactions",
        {"kind": "call", "direction": "in", "duration_minutes": 7, "party": party.pk},
    )
    future = api.post(
        "/interactions",
        {
            "kind": "call",
            "party": party.pk,
            "occurred_at": (timezone.now() + timedelta(days=1)).isoformat(),
        },
    )

    assert logged.status_code == 201
    assert (logged.json()["user"], logged.json()["duration_minutes"]) == (owner.pk, 7)
    _problem(future, 422, "interaction.in_future", "occurred_at")
    listed = api.get("/interactions", {"party": party.pk}).json()
    assert listed["count"] == 1
    assert api.get(f"/interactions/{logged.json()['id']}").json()["kind"] == "call"


# -- configuration -----------------------------------------------------------------------------


def test_stages_teams_and_reasons_over_the_api(api, company, rep, stages, make_opportunity):
    team = api.post("/sales-teams", {"name": "Key accounts", "leader": rep.pk, "members": [rep.pk]})
    assert team.status_code == 201 and team.json()["members"] == [rep.pk]

    stage = api.post(
        "/pipeline-stages",
        {"name": "Discovery", "team": team.json()["id"], "probability": 15},
    )
    assert stage.status_code == 201
    assert (stage.json()["team"], stage.json()["sequence"]) == (team.json()["id"], 10)
    duplicate_won = api.post("/pipeline-stages", {"name": "Won twice", "is_won": True})
    _problem(duplicate_won, 422, "stage.duplicate_closing", "is_won")

    default = api.get("/pipeline-stages", {"default": "true"}).json()
    assert [s["name"] for s in default["items"]] == [
        "New",
        "Qualified",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]

    make_opportunity()
    _problem(api.delete(f"/pipeline-stages/{stages['New'].pk}"), 409, "stage.in_use")
    patched = api.patch(f"/pipeline-stages/{stages['New'].pk}", {"probability": 5})
    assert patched.json()["probability"] == 5

    reason = api.post("/lost-reasons", {"name": "Timing"})
    assert reason.status_code == 201
    names = [r["name"] for r in api.get("/lost-reasons").json()["items"]]
    assert names == sorted(
        ["Chose a competitor", "No budget", "No response", "Not a fit", "Timing", "Too expensive"]
    )
    _problem(api.post("/lost-reasons", {"name": "timing"}), 409, "lost_reason.duplicate")


def test_a_read_only_user_reads_but_cannot_write(api_as, company, make_lead):
    reader = UserFactory(username="reader")
    membership_grant(user=reader, company=company, roles=["readonly"])
    client = api_as(reader, company)
    lead = make_lead()

    assert client.get("/leads").json()["count"] == 1
    _problem(client.post("/leads", {"contact_name": "X"}), 403, "permission.denied")
    _problem(client.post(f"/leads/{lead.pk}/qualify"), 403, "permission.denied")
    assert Lead.objects.count() == 1 and Party.objects.count() == 0


def test_hostile_input_is_never_a_server_error(api, make_opportunity):
    opp = make_opportunity()
    for response in (
        api.post("/leads", {"contact_name": "X\x00Y"}),
        api.post("/opportunities", {"name": "X", "party": 2**70}),
        api.post(f"/opportunities/{opp.pk}/move", {"stage": "new"}),
        api.get("/opportunities", {"owner": "me"}),
        api.get("/leads/99999999999999999999"),
        api.post("/activities", {"kind": "call", "summary": "x", "due_at": "yesterday"}),
        api.post("/leads", raw="{not json"),
    ):
        assert 400 <= response.status_code < 500, response.content


# -- query counts ------------------------------------------------------------------------------


def _queries(api, path):
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(
    api, company, owner, rep, make_lead, make_opportunity, django_assert_num_queries
):
    from tandem.catalog.services import product_create

    product = product_create(company=company, sku="P-1", name="Pump")

    def add_rows(n):
        for i in range(n):
            make_lead(contact_name=f"L{i}", owner=rep)
            opp = make_opportunity(f"O{i}", owner=rep, products=[product])
            services.activity_create(
                company=company,
                kind="call",
                summary="c",
                due_at=timezone.now(),
                owner=rep,
                opportunity=opp,
            )
            services.interaction_log(company=company, kind="note", opportunity=opp)
        services.team_create(company=company, name=f"T{n}", members=[rep, owner])

    paths = [
        "/leads",
        "/opportunities",
        "/activities",
        "/interactions",
        "/sales-teams",
        "/pipeline-stages",
        "/lost-reasons",
    ]
    add_rows(2)
    api.get("/leads")  # the token's last use is written once a minute: not part of the count
    counts = {path: _queries(api, path) for path in paths}
    add_rows(6)

    for path in paths:
        with django_assert_num_queries(counts[path]):
            body = api.get(path).json()
        assert body["count"] >= 2
