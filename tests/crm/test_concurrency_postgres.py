"""Qualify, win and move under real concurrency: threads released together by a barrier."""

import threading

import pytest
from django.db import connection

from tandem.core.errors import DomainError
from tandem.crm import services
from tandem.crm.models import Activity, Lead, Opportunity, OpportunityStageChange, PipelineStage
from tandem.parties.models import Contact, Party

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WORKERS = 8


def _race(action):
    barrier = threading.Barrier(WORKERS)
    done, refused, errors = [], [], []

    def run(n):
        try:
            barrier.wait(timeout=30)
            done.append(action(n))
        except DomainError as exc:
            refused.append(exc.code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused, errors


def test_parallel_qualifies_make_one_opportunity_party_and_contact(company):
    lead = services.lead_create(
        company=company, contact_name="Wang Fang", company_name="Lotus", email="w@lotus.example"
    )

    done, refused, errors = _race(lambda n: services.lead_qualify(lead=lead))

    assert errors == []
    assert len(done) == 1
    assert refused == ["lead.already_qualified"] * (WORKERS - 1)
    assert (Opportunity.objects.count(), Party.objects.count(), Contact.objects.count()) == (
        1,
        1,
        1,
    )
    assert Lead.objects.get().opportunity == Opportunity.objects.get()


def test_parallel_wins_close_the_opportunity_once(company):
    party = services.lead_qualify(
        lead=services.lead_create(company=company, company_name="Lotus")
    ).opportunity.party
    opp = services.opportunity_create(company=company, name="Race", party=party)

    done, refused, errors = _race(lambda n: services.opportunity_win(opportunity=opp))

    assert errors == []
    assert len(done) == 1
    assert refused == ["opportunity.closed"] * (WORKERS - 1)
    opp.refresh_from_db()
    assert opp.state == "won"
    wins = OpportunityStageChange.objects.filter(opportunity=opp, to_stage__is_won=True)
    assert wins.count() == 1


def test_parallel_moves_to_one_stage_log_one_change(company):
    party = services.lead_qualify(
        lead=services.lead_create(company=company, company_name="Lotus")
    ).opportunity.party
    opp = services.opportunity_create(company=company, name="Race", party=party)
    proposal = PipelineStage.objects.get(company=company, name="Proposal")

    done, refused, errors = _race(
        lambda n: services.opportunity_move(opportunity=opp, stage=proposal)
    )

    assert (errors, refused, len(done)) == ([], [], WORKERS)
    changes = OpportunityStageChange.objects.filter(opportunity=opp).order_by("changed_at", "id")
    assert [c.to_stage.name for c in changes] == ["New", "Proposal"]


def test_parallel_sweeps_and_done_plan_one_cadence_activity_per_record(company, owner):
    # given a repeating rule for new leads and three leads without any activity
    rule = services.cadence_create(
        company=company, name="Nurture", applies_to="lead", interval=2, owner=owner
    )
    leads = [services.lead_create(company=company, contact_name=f"L{n}") for n in range(3)]

    # when eight workers sweep at once
    done, refused, errors = _race(lambda n: services.cadence_sweep(company=company))

    # then each lead got exactly one planned activity of the rule, in all
    assert errors == [] and refused == []
    assert sum(done) == 3
    planned = Activity.objects.filter(cadence=rule, state="planned")
    assert sorted(planned.values_list("lead_id", flat=True)) == sorted(lead.pk for lead in leads)
