import random

from tandem.core import integrity
from tandem.core.services import membership_grant
from tandem.crm.demo import load_crm_demo
from tandem.crm.models import Interaction, Opportunity, OpportunityStageChange, PipelineStage
from tandem.parties.services import party_create
from tests.factories import UserFactory


def _load(company, seed):
    parties = [
        party_create(company=company, name=f"Customer {n:02d}", is_customer=True) for n in range(30)
    ]
    return load_crm_demo(company=company, parties=parties, products=[], rng=random.Random(seed))


def test_demo_fills_every_stage_with_histories_and_stays_valid(company, owner):
    membership_grant(user=UserFactory(username="seller"), company=company, roles=["sales"])

    counts = _load(company, seed=7)

    # 20 opportunities and 3 more from the qualified leads; 7 activities planned by the
    # cadences' sweep; 5 emails logged and their 5 replies; a target for each of the 2 sellers
    assert counts == {
        "cadences": 3,
        "targets": 2,
        "leads": 10,
        "opportunities": 23,
        "activities": 27,
        "interactions": 30,
    }
    replies = Interaction.objects.filter(direction="in", subject__startswith="Re: Quotation")
    assert replies.filter(opportunity__isnull=False).count() == 5  # threaded to their deals
    used = set(Opportunity.objects.values_list("stage__name", flat=True))
    assert used == set(PipelineStage.objects.filter(company=company).values_list("name", flat=True))
    assert OpportunityStageChange.objects.count() > Opportunity.objects.count()
    assert Opportunity.objects.filter(state="won").count() >= 3
    assert integrity.run_all().ok, integrity.run_all().render()
