from tandem.core import integrity
from tandem.crm import checks, services
from tandem.crm.models import Activity, Lead, Opportunity


def test_the_crm_checks_are_registered():
    names = integrity.registered()
    assert "crm: qualified leads have an opportunity, others none" in names
    assert "crm: won/lost opportunities sit in a won/lost stage, open ones in neither" in names
    assert "crm: rows reference rows of their own company" in names


def test_a_clean_pipeline_passes(company, owner, reasons, make_lead, make_opportunity):
    services.lead_qualify(lead=make_lead(company_name="Lotus"))
    won, lost = make_opportunity("W"), make_opportunity("L")
    services.opportunity_win(opportunity=won)
    services.opportunity_lose(opportunity=lost, reason=reasons["No budget"])
    services.activity_create(
        company=company,
        kind="task",
        summary="T",
        due_at=won.created_at,
        owner=owner,
        opportunity=won,
    )

    assert list(checks.leads_and_opportunities()) == []
    assert list(checks.opportunity_states_match_stages()) == []
    assert list(checks.references_in_company()) == []
    assert integrity.run_all().ok


def test_breaches_are_reported(
    company, other_company, owner, stages, make_lead, make_party, make_opportunity
):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus"))
    other = make_opportunity("Other")
    Lead.objects.filter(pk=lead.pk).update(opportunity=other)  # made by hand, not from the lead
    in_won_stage = make_opportunity("Open in won")
    Opportunity.objects.filter(pk=in_won_stage.pk).update(stage=stages["Won"])
    foreign_party = make_party("Theirs", of=other_company)
    crossed = make_opportunity("Crossed")
    Opportunity.objects.filter(pk=crossed.pk).update(party=foreign_party)
    activity = services.activity_create(
        company=company,
        kind="task",
        summary="T",
        due_at=crossed.created_at,
        owner=owner,
        party=make_party("Ours"),
    )
    Activity.objects.filter(pk=activity.pk).update(party=foreign_party)

    assert list(checks.leads_and_opportunities()) == [
        f"lead {lead.pk}: opportunity {other.pk} names another lead"
    ]
    assert list(checks.opportunity_states_match_stages()) == [
        f"opportunity {in_won_stage.pk}: open in stage Won"
    ]
    assert list(checks.references_in_company()) == [
        f"crm.Opportunity {crossed.pk}: refers to a row of another company",
        f"crm.Activity {activity.pk}: refers to a row of another company",
    ]
