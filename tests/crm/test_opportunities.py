from datetime import timedelta
from decimal import Decimal

import pytest

from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.crm import queries, services
from tandem.crm.errors import OpportunityClosed, PipelineIncomplete
from tandem.crm.models import Opportunity, OpportunityStageChange
from tests.crm.conftest import NOW


@pytest.fixture
def received():
    got = []

    def handler(event, **payload):
        got.append((event, payload))

    for name in ("opportunity.won", "opportunity.lost"):
        events.subscribe(name, handler)
    yield got
    for name in ("opportunity.won", "opportunity.lost"):
        events.unsubscribe(name, handler)


def _snapshot(opp):
    opp.refresh_from_db()
    return (
        opp.stage_id,
        opp.state,
        opp.probability,
        opp.won_at,
        opp.lost_at,
        opp.lost_reason_id,
        OpportunityStageChange.objects.filter(opportunity=opp).count(),
    )


def test_create_starts_in_the_first_stage_with_its_probability(company, stages, make_opportunity):
    opp = make_opportunity(revenue="1234.567")

    assert (opp.stage, opp.probability, opp.probability_manual) == (stages["New"], 10, False)
    assert opp.expected_revenue == Decimal("1234.57")
    assert opp.currency_id == "CNY"


def test_create_refuses_a_stage_of_another_company_or_a_closing_stage(
    company, other_company, stages, make_party
):
    party = make_party()
    theirs = services.stage_for(company=other_company, team=None, stage=None)

    for stage in (theirs, stages["Won"], 10**12):
        with pytest.raises(ValidationFailed) as caught:
            services.opportunity_create(company=company, name="X", party=party, stage=stage)
        assert (caught.value.code, caught.value.field) == ("stage.invalid", "stage")
    assert Opportunity.objects.count() == 0


def test_create_refuses_rows_of_another_company(company, other_company, make_party):
    ours, theirs = make_party("Ours"), make_party("Theirs", of=other_company)

    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_create(company=company, name="X", party=theirs)
    assert (caught.value.code, caught.value.field) == ("reference.invalid", "party")

    foreign_team = services.team_create(company=other_company, name="Team")
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_create(company=company, name="X", party=ours, team=foreign_team)
    assert caught.value.field == "team"
    assert Opportunity.objects.count() == 0


def test_move_logs_the_change_and_takes_the_stage_probability(
    company, owner, stages, make_opportunity
):
    opp = make_opportunity()
    entered = opp.created_at

    services.opportunity_move(
        opportunity=opp, stage=stages["Proposal"], user=owner, now=entered + timedelta(days=3)
    )
    services.opportunity_move(
        opportunity=opp,
        stage=stages["Qualified"].pk,
        user=owner,
        now=entered + timedelta(days=3, hours=5),
    )

    opp.refresh_from_db()
    assert (opp.stage, opp.probability) == (stages["Qualified"], 20)
    rows = queries.stage_history(opp, now=entered + timedelta(days=4, hours=5))
    assert [
        (r["from_stage"] and r["from_stage"].name, r["stage"].name, r["duration"], r["by"])
        for r in rows
    ] == [
        (None, "New", timedelta(days=3), None),
        ("New", "Proposal", timedelta(hours=5), owner),
        ("Proposal", "Qualified", timedelta(days=1), owner),
    ]


def test_a_probability_set_by_hand_survives_moves_until_reset(company, stages, make_opportunity):
    opp = make_opportunity(probability=35)

    services.opportunity_move(opportunity=opp, stage=stages["Negotiation"])
    opp.refresh_from_db()
    assert (opp.probability, opp.probability_manual) == (35, True)

    services.opportunity_update(opportunity=opp, probability=None)
    opp.refresh_from_db()
    assert (opp.probability, opp.probability_manual) == (75, False)


def test_move_to_a_stage_of_another_pipeline_is_refused(company, stages, make_opportunity):
    team = services.team_create(company=company, name="Key accounts")
    own = services.stage_create(company=company, team=team, name="Discovery", probability=15)
    opp = make_opportunity()
    before = _snapshot(opp)

    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_move(opportunity=opp, stage=own)

    assert (caught.value.code, caught.value.field) == ("stage.invalid", "stage")
    assert _snapshot(opp) == before


def test_a_team_with_its_own_stages_uses_them(company, make_party):
    team = services.team_create(company=company, name="Key accounts")
    first = services.stage_create(company=company, team=team, name="Discovery", probability=15)
    services.stage_create(company=company, team=team, name="Signed", probability=100, is_won=True)

    opp = services.opportunity_create(company=company, name="Big", party=make_party(), team=team)
    services.opportunity_win(opportunity=opp)

    opp.refresh_from_db()
    assert (opp.stage.name, opp.stage.team, opp.state) == ("Signed", team, "won")
    assert opp.stage_changes.first().to_stage == first


def test_win_without_a_won_stage_is_refused(company, make_party):
    team = services.team_create(company=company, name="Odd team")
    services.stage_create(company=company, team=team, name="Only", probability=50)
    opp = services.opportunity_create(company=company, name="X", party=make_party(), team=team)
    before = _snapshot(opp)

    with pytest.raises(PipelineIncomplete):
        services.opportunity_win(opportunity=opp)

    assert _snapshot(opp) == before


def test_move_on_a_won_opportunity_is_refused(company, stages, make_opportunity):
    opp = make_opportunity()
    services.opportunity_win(opportunity=opp)
    before = _snapshot(opp)

    with pytest.raises(OpportunityClosed) as caught:
        services.opportunity_move(opportunity=opp, stage=stages["Proposal"])

    assert (caught.value.code, caught.value.status) == ("opportunity.closed", 409)
    assert _snapshot(opp) == before


def test_winning_a_lost_or_losing_a_won_opportunity_is_refused(company, reasons, make_opportunity):
    lost = make_opportunity("Lost one")
    services.opportunity_lose(opportunity=lost, reason=reasons["No budget"])
    won = make_opportunity("Won one")
    services.opportunity_win(opportunity=won)
    lost_before, won_before = _snapshot(lost), _snapshot(won)

    with pytest.raises(OpportunityClosed):
        services.opportunity_win(opportunity=lost)
    with pytest.raises(OpportunityClosed):
        services.opportunity_lose(opportunity=won, reason=reasons["No budget"])
    with pytest.raises(OpportunityClosed):
        services.opportunity_update(opportunity=won, name="Renamed")

    assert (_snapshot(lost), _snapshot(won)) == (lost_before, won_before)


def test_win_moves_to_the_won_stage_and_publishes_the_event(
    company, owner, stages, received, make_opportunity, django_capture_on_commit_callbacks
):
    opp = make_opportunity()
    when = opp.created_at + timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_win(opportunity=opp, user=owner, now=when)

    opp.refresh_from_db()
    assert (opp.state, opp.stage, opp.probability, opp.won_at) == ("won", stages["Won"], 100, when)
    assert received == [("opportunity.won", {"opportunity_id": opp.pk, "company_id": company.pk})]
    last = opp.stage_changes.last()
    assert (last.from_stage, last.to_stage, last.changed_by) == (
        stages["New"],
        stages["Won"],
        owner,
    )


def test_lose_needs_a_reason_then_publishes_the_event(
    company, stages, reasons, received, make_opportunity, django_capture_on_commit_callbacks
):
    opp = make_opportunity()
    before = _snapshot(opp)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValidationFailed) as caught,
    ):
        services.opportunity_lose(opportunity=opp, reason=None)
    assert (caught.value.code, caught.value.field) == ("validation.required", "reason")
    assert _snapshot(opp) == before and received == []

    with django_capture_on_commit_callbacks(execute=True):
        services.opportunity_lose(
            opportunity=opp, reason=reasons["Too expensive"], note="Went with B", now=NOW
        )

    opp.refresh_from_db()
    assert (opp.state, opp.stage, opp.probability, opp.lost_at, opp.lost_note) == (
        "lost",
        stages["Lost"],
        0,
        NOW,
        "Went with B",
    )
    assert received == [
        (
            "opportunity.lost",
            {
                "opportunity_id": opp.pk,
                "lost_reason_id": reasons["Too expensive"].pk,
                "company_id": company.pk,
            },
        )
    ]


def test_moving_to_the_won_stage_wins_and_to_the_lost_stage_needs_a_reason(
    company, stages, reasons, make_opportunity
):
    won, lost = make_opportunity("A"), make_opportunity("B")

    services.opportunity_move(opportunity=won, stage=stages["Won"])
    with pytest.raises(ValidationFailed) as caught:
        services.opportunity_move(opportunity=lost, stage=stages["Lost"])
    assert caught.value.field == "lost_reason"
    services.opportunity_move(
        opportunity=lost, stage=stages["Lost"], lost_reason=reasons["No response"]
    )

    won.refresh_from_db()
    lost.refresh_from_db()
    assert (won.state, lost.state, lost.lost_reason) == ("won", "lost", reasons["No response"])


def test_stage_changes_of_probability_follow_to_open_opportunities(
    company, stages, make_opportunity
):
    follows, by_hand = make_opportunity("A"), make_opportunity("B", probability=40)

    services.stage_update(stage=stages["New"], probability=12)

    follows.refresh_from_db()
    by_hand.refresh_from_db()
    assert (follows.probability, by_hand.probability) == (12, 40)


def test_a_stage_in_use_keeps_its_flags_and_cannot_be_deleted(company, stages, make_opportunity):
    make_opportunity()

    with pytest.raises(Exception) as flag:
        services.stage_update(stage=stages["New"], is_won=True)
    with pytest.raises(Exception) as deleted:
        services.stage_delete(stage=stages["New"])

    assert flag.value.code in ("stage.in_use", "stage.duplicate_closing")
    assert deleted.value.code == "stage.in_use"
    stages["New"].refresh_from_db()
    assert stages["New"].is_won is False


def test_delete_an_opportunity_made_from_a_lead_is_refused(company, make_lead):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus Foods"))

    with pytest.raises(Exception) as caught:
        services.opportunity_delete(opportunity=lead.opportunity)

    assert caught.value.code == "opportunity.in_use"
    assert Opportunity.objects.filter(pk=lead.opportunity_id).exists()
