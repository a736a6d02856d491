import pytest

from tandem.core.errors import ValidationFailed
from tandem.crm import services
from tandem.crm.errors import LeadAlreadyQualified, LeadDisqualified
from tandem.crm.models import Lead, Opportunity, OpportunityStageChange
from tandem.parties import services as party_services
from tandem.parties.models import Contact, Party


def _counts():
    return (
        Lead.objects.count(),
        Party.objects.count(),
        Contact.objects.count(),
        Opportunity.objects.count(),
        OpportunityStageChange.objects.count(),
    )


# -- create and match ----------------------------------------------------------------------------


def test_create_normalises_and_records_the_source(company, rep):
    lead = services.lead_create(
        company=company,
        contact_name=" Wang Fang ",
        company_name="Lotus Foods",
        email="Wang@Lotus.Example",
        phone="138 0013 8000",
        source="referral",
        campaign="Canton fair 2026",
        owner=rep,
    )

    lead.refresh_from_db()
    assert (lead.name, lead.contact_name, lead.email, lead.phone) == (
        "Lotus Foods",
        "Wang Fang",
        "wang@lotus.example",
        "+8613800138000",
    )
    assert (lead.source, lead.campaign, lead.owner, lead.state) == (
        "referral",
        "Canton fair 2026",
        rep,
        "new",
    )
    assert (lead.matched_party, lead.match_on) == (None, "")


def test_matches_an_existing_party_by_email(company, make_party, make_lead):
    party = make_party("Lotus Foods", email="sales@lotus.example")

    lead = make_lead(email="SALES@lotus.example", company_name="Something else")

    assert (lead.matched_party, lead.matched_contact, lead.match_on) == (party, None, "email")


def test_matches_by_a_contact_persons_phone(company, make_party, make_lead):
    party = make_party("Lotus Foods")
    contact = party_services.contact_create(party=party, name="Wang Fang", mobile="13900139000")

    lead = make_lead(phone="+86 139 0013 9000")

    assert (lead.matched_party, lead.matched_contact, lead.match_on) == (party, contact, "phone")


def test_matches_by_company_name_case_insensitively(company, make_party, make_lead):
    party = make_party("Lotus Foods Co., Ltd.")

    lead = make_lead(company_name="LOTUS FOODS CO., LTD.")

    assert (lead.matched_party, lead.match_on) == (party, "company_name")


def test_email_wins_over_phone_and_name(company, make_party, make_lead):
    by_name = make_party("Lotus Foods")
    by_phone = make_party("Phone Owner", phone="13800138000")
    by_email = make_party("Mail Owner", email="x@lotus.example")

    lead = make_lead(email="x@lotus.example", phone="13800138000", company_name="Lotus Foods")

    assert lead.matched_party == by_email
    assert by_name.pk != by_phone.pk


def test_another_companys_party_never_matches(company, other_company, make_party, make_lead):
    make_party("Lotus Foods", of=other_company, email="sales@lotus.example")

    lead = make_lead(email="sales@lotus.example", company_name="Lotus Foods")

    assert lead.matched_party is None


def test_bad_input_names_every_field_and_creates_nothing(company, other_company, make_lead):
    stranger_team = services.team_create(company=other_company, name="Theirs")
    before = _counts()

    with pytest.raises(ValidationFailed) as caught:
        services.lead_create(
            company=company,
            contact_name="Li",
            email="not-an-email",
            phone="12",
            source="pigeon",
            team=stranger_team,
        )

    fields = {e["field"]: e["code"] for e in caught.value.errors}
    assert fields == {
        "email": "validation.email",
        "phone": "validation.phone",
        "source": "validation.choice",
        "team": "reference.invalid",
    }
    assert _counts() == before


def test_a_lead_needs_a_person_or_company_name(company):
    with pytest.raises(ValidationFailed) as caught:
        services.lead_create(company=company, email="a@b.example")

    assert (caught.value.code, caught.value.field) == ("validation.required", "contact_name")
    assert Lead.objects.count() == 0


def test_changing_the_email_matches_again(company, make_party, make_lead):
    party = make_party("Lotus Foods", email="sales@lotus.example")
    lead = make_lead(email="old@elsewhere.example")

    services.lead_update(lead=lead, email="sales@lotus.example")

    lead.refresh_from_db()
    assert (lead.matched_party, lead.match_on) == (party, "email")


# -- qualify -------------------------------------------------------------------------------------


def test_qualify_creates_party_contact_and_opportunity(company, rep, stages, make_lead):
    lead = make_lead(
        contact_name="Wang Fang",
        company_name="Lotus Foods",
        email="wang@lotus.example",
        phone="13800138000",
        source="web_form",
        owner=rep,
    )

    lead = services.lead_qualify(lead=lead, user=rep, expected_revenue="12000")

    lead.refresh_from_db()
    opp = lead.opportunity
    party = opp.party
    assert lead.state == "qualified" and lead.qualified_at is not None
    assert (party.name, party.kind, party.is_customer, party.email, party.phone) == (
        "Lotus Foods",
        "organization",
        True,
        "wang@lotus.example",
        "+8613800138000",
    )
    assert [(c.name, c.email, c.phone, c.is_primary) for c in party.contacts.all()] == [
        ("Wang Fang", "wang@lotus.example", "+8613800138000", True)
    ]
    assert opp.contact == party.contacts.get()
    assert (opp.name, opp.stage, opp.probability, opp.expected_revenue) == (
        "Lotus Foods",
        stages["New"],
        10,
        12000,
    )
    assert (opp.owner, opp.source, opp.lead, opp.state, opp.currency_id) == (
        rep,
        "web_form",
        lead,
        "open",
        "CNY",
    )
    assert list(opp.stage_changes.values_list("from_stage", "to_stage", "changed_by")) == [
        (None, stages["New"].pk, rep.pk)
    ]


def test_qualify_a_person_without_company_makes_a_person_party(company, make_lead):
    lead = make_lead(contact_name="Zhang San", email="zs@example.com")

    lead = services.lead_qualify(lead=lead)

    party = lead.opportunity.party
    assert (party.name, party.kind, party.contacts.count()) == ("Zhang San", "person", 0)
    assert lead.opportunity.contact is None


def test_qualify_reuses_the_matched_party_and_contact(company, make_party, make_lead):
    party = make_party("Lotus Foods", is_customer=False, is_supplier=True)
    contact = party_services.contact_create(party=party, name="Wang Fang", email="w@lotus.example")
    lead = make_lead(contact_name="Wang Fang", email="w@lotus.example")
    parties, contacts = Party.objects.count(), Contact.objects.count()

    lead = services.lead_qualify(lead=lead)

    assert (lead.opportunity.party, lead.opportunity.contact) == (party, contact)
    assert (Party.objects.count(), Contact.objects.count()) == (parties, contacts)
    party.refresh_from_db()
    assert (party.is_customer, party.is_supplier) == (True, True)


def test_qualify_moves_the_leads_touches_onto_the_customer(company, rep, make_lead):
    lead = make_lead(company_name="Lotus Foods")
    activity = services.activity_create(
        company=company, kind="call", summary="Call back", due_at=_soon(), owner=rep, lead=lead
    )
    touch = services.interaction_log(company=company, kind="note", body="Met at fair", lead=lead)

    lead = services.lead_qualify(lead=lead)

    activity.refresh_from_db()
    touch.refresh_from_db()
    assert (activity.opportunity, activity.party) == (lead.opportunity, lead.opportunity.party)
    assert (touch.opportunity, touch.party) == (lead.opportunity, lead.opportunity.party)


def test_qualify_twice_is_refused_and_changes_nothing(company, make_lead):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus Foods"))
    before = _counts()

    with pytest.raises(LeadAlreadyQualified) as caught:
        services.lead_qualify(lead=lead)

    assert (caught.value.code, caught.value.status) == ("lead.already_qualified", 409)
    assert caught.value.extra == {"opportunity_id": lead.opportunity_id}
    assert _counts() == before


def test_qualify_a_disqualified_lead_is_refused(company, make_lead):
    lead = services.lead_disqualify(lead=make_lead(), reason="Student project")
    before = _counts()

    with pytest.raises(LeadDisqualified):
        services.lead_qualify(lead=lead)

    assert _counts() == before


def test_a_stage_of_another_pipeline_rolls_the_whole_qualify_back(
    company, other_company, make_lead
):
    foreign = services.stage_for(company=other_company, team=None, stage=None)
    lead = make_lead(company_name="Brand New Ltd", contact_name="Wang Fang")
    before = _counts()

    with pytest.raises(ValidationFailed) as caught:
        services.lead_qualify(lead=lead, stage=foreign)

    assert (caught.value.code, caught.value.field) == ("stage.invalid", "stage")
    assert _counts() == before
    lead.refresh_from_db()
    assert (lead.state, lead.opportunity) == ("new", None)


# -- disqualify and reopen -------------------------------------------------------------------------


def test_disqualify_needs_a_reason(company, make_lead):
    lead = make_lead()

    with pytest.raises(ValidationFailed) as caught:
        services.lead_disqualify(lead=lead, reason="   ")

    assert (caught.value.code, caught.value.field) == ("validation.required", "reason")
    lead.refresh_from_db()
    assert (lead.state, lead.disqualify_reason) == ("new", "")


def test_disqualify_records_the_reason_and_reopen_clears_it(company, make_lead):
    lead = services.lead_disqualify(lead=make_lead(), reason="No budget this year")
    assert (lead.state, lead.disqualify_reason) == ("disqualified", "No budget this year")

    lead = services.lead_reopen(lead=lead)

    lead.refresh_from_db()
    assert (lead.state, lead.disqualify_reason) == ("new", "")


def test_a_qualified_lead_cannot_be_disqualified_edited_or_deleted(company, make_lead):
    lead = services.lead_qualify(lead=make_lead(company_name="Lotus Foods"))
    before = _counts()

    for call in (
        lambda: services.lead_disqualify(lead=lead, reason="Oops"),
        lambda: services.lead_update(lead=lead, name="Renamed"),
        lambda: services.lead_delete(lead=lead),
    ):
        with pytest.raises(LeadAlreadyQualified):
            call()

    lead.refresh_from_db()
    assert (lead.state, lead.name) == ("qualified", "Lotus Foods")
    assert _counts() == before


def _soon():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=1)
