"""Issue 19 / API.md "Decisions": `score` on /leads and /opportunities and `churn_risk` on
/parties/{id}/overview come from the active analytics models through core.providers (the
CRM never imports analytics), one query for a whole page."""

from decimal import Decimal

import pytest

from tandem.analytics.models import LeadScore, PartyScore
from tandem.analytics.services import analytics_train
from tandem.core import providers
from tandem.crm.models import Opportunity
from tandem.crm.scoring import LEAD_SCORES, PARTY_SCORES, with_lead_scores
from tandem.crm.services import lead_create, opportunity_create

from .conftest import AS_OF


@pytest.fixture
def scored(company, history):
    lead = lead_create(company=company, contact_name="Ann Open", email="open@example.com")
    opportunity = opportunity_create(
        company=company,
        name="Open deal",
        party=history["parties"][0],
        expected_revenue=Decimal("5000"),
    )
    analytics_train(company=company, as_of=AS_OF, only=["customers", "lead_score"])
    return {**history, "lead": lead, "opportunity": opportunity}


# one training for every check: it is most of the test's time
def test_lists_reads_the_lead_page_and_the_overview_carry_the_active_scores(
    api, web, company, scored, django_assert_num_queries
):
    lead, opportunity = scored["lead"], scored["opportunity"]
    lead_row = LeadScore.objects.get(lead=lead, run__state="active")
    deal_row = LeadScore.objects.get(opportunity=opportunity, run__state="active")

    listed = {item["id"]: item for item in api.listed("/leads")["items"]}
    assert listed[lead.pk]["score"] == lead_row.probability
    assert listed[lead.pk]["score_tier"] == lead_row.tier
    assert api.get(f"/leads/{lead.pk}").json()["score"] == lead_row.probability

    deals = {item["id"]: item for item in api.listed("/opportunities", state="open")["items"]}
    assert deals[opportunity.pk]["score"] == deal_row.probability
    closed = api.listed("/opportunities", state="won")["items"]
    assert closed and all(item["score"] is None for item in closed)
    assert api.get(f"/opportunities/{opportunity.pk}").json()["score_tier"] == deal_row.tier

    # one query for a whole page of rows
    rows = list(Opportunity.objects.filter(company=company).order_by("-id")[:50])
    with django_assert_num_queries(1):
        with_lead_scores(company, "opportunity", rows)
    assert sum(row.score is not None for row in rows) == 1

    party = scored["parties"][0]
    stored = PartyScore.objects.get(party=party, run__state="active", run__name="rfm")
    body = api.get(f"/parties/{party.pk}/overview").json()
    assert body["churn_risk"] == stored.churn_risk
    assert Decimal(str(body["customer_value"])) == stored.clv
    assert body["rfm_band"] == stored.band and body["segment"] == stored.cluster

    html = web.get("/crm/leads/").content.decode()
    assert 'data-testid="lead-score"' in html
    assert f"{round(lead_row.probability * 100)} %" in html

    # the pipeline board shows the open deal's score on its card, and no score on the others
    board = web.get("/crm/opportunities/board/").content.decode()
    card = board.partition(f'data-id="{opportunity.pk}"')[2].partition("</li>")[0]
    assert 'data-testid="card-score"' in card
    assert f"{round(deal_row.probability * 100)} %" in card
    assert board.count('data-testid="card-score"') == 1


def test_without_a_provider_the_crm_answers_null(api, company, monkeypatch):
    from tandem.parties.services import party_create

    monkeypatch.setattr(providers, "_providers", {})
    lead = lead_create(company=company, contact_name="Una Scored", email="u@example.com")
    assert api.get(f"/leads/{lead.pk}").json()["score"] is None
    party = party_create(company=company, name="Unscored Ltd", is_customer=True)
    body = api.get(f"/parties/{party.pk}/overview").json()
    assert body["churn_risk"] is None and body["customer_value"] is None
    assert LEAD_SCORES and PARTY_SCORES  # the names the analytics app registers under
