"""The next-response clock and the escalation ladder (issue 16, step 2)."""

from decimal import Decimal

import pytest
from django.test import override_settings

from tandem.core.errors import ValidationFailed
from tandem.core.services import membership_grant
from tandem.service import services
from tandem.service.models import Ticket, TicketEscalation
from tests.factories import UserFactory

from .conftest import WITHOUT_SWEEP, at


@pytest.fixture
def policy(company, team):
    """First response 2 h, next response 1 h, resolution 8 h (business), with a ladder."""
    return services.sla_policy_create(
        company=company,
        name="Normal",
        priority="normal",
        first_response_hours=Decimal("2"),
        next_response_hours=Decimal("1"),
        resolution_hours=Decimal("8"),
        escalation=[
            {"action": "notify_lead", "after_minutes": 0},
            {"action": "raise_priority", "after_minutes": 30},
        ],
    )


def _ticket(company, team, customer, when):
    return services.ticket_create(
        company=company,
        subject="Compressor noise",
        channel="email",
        party=customer,
        customer_email="li@bright.test",
        team=team,
        now=when,
        body="It rattles",
    )


def test_next_response_clock_runs_from_the_unanswered_customer_message(
    company, team, policy, customer, agent
):
    # given a ticket answered at 10:00 Monday, the customer writes back at 11:30
    ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="Looking", user=agent, now=at(2026, 12, 7, 10, 0))
    ticket.refresh_from_db()
    assert ticket.next_response_since is None and ticket.next_response_due is None
    services.ticket_inbound(
        ticket=ticket, body="Still?", from_address="li@bright.test", now=at(2026, 12, 7, 11, 30)
    )
    # and again at 11:50 (the clock keeps counting from the first unanswered message)
    services.ticket_inbound(
        ticket=ticket, body="Hello?", from_address="li@bright.test", now=at(2026, 12, 7, 11, 50)
    )
    ticket.refresh_from_db()
    # then one business hour from 11:30 skips lunch: 30 min + 30 min -> 13:30
    assert ticket.next_response_since == at(2026, 12, 7, 11, 30)
    assert ticket.next_response_due == at(2026, 12, 7, 13, 30)
    assert ticket.sla_state == "on_track"
    # when the agent answers at 13:20 the window closes within target
    services.ticket_reply(ticket=ticket, body="Fixed", user=agent, now=at(2026, 12, 7, 13, 20))
    ticket.refresh_from_db()
    assert ticket.next_response_since is None and ticket.next_response_due is None
    assert ticket.next_response_breached is False
    # when the customer writes at 14:00 and the answer comes at 15:30, it was late
    services.ticket_inbound(
        ticket=ticket, body="Again", from_address="li@bright.test", now=at(2026, 12, 7, 14, 0)
    )
    services.ticket_reply(ticket=ticket, body="Sorry", user=agent, now=at(2026, 12, 7, 15, 30))
    ticket.refresh_from_db()
    # then the late window stays breached after it closed
    assert ticket.next_response_breached is True
    assert ticket.sla_state == "breached"


def test_next_response_is_paused_while_waiting_on_the_customer(
    company, team, policy, customer, agent
):
    ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="Hi", user=agent, now=at(2026, 12, 7, 9, 30))
    services.ticket_inbound(
        ticket=ticket, body="More", from_address="li@bright.test", now=at(2026, 12, 7, 10, 0)
    )
    # an internal note does not answer the customer
    services.ticket_note(ticket=ticket, body="checking", user=agent, now=at(2026, 12, 7, 10, 10))
    ticket.refresh_from_db()
    assert ticket.next_response_due == at(2026, 12, 7, 11, 0)
    # when set waiting on the customer at 10:30 the clock stops short of its target
    services.ticket_set_state(
        ticket=ticket, state="waiting_customer", user=agent, now=at(2026, 12, 7, 10, 30)
    )
    ticket.refresh_from_db()
    assert ticket.next_response_due is None
    # and reopening at 14:00 leaves 30 min: due 14:30
    services.ticket_set_state(ticket=ticket, state="open", user=agent, now=at(2026, 12, 7, 14, 0))
    ticket.refresh_from_db()
    assert ticket.next_response_due == at(2026, 12, 7, 14, 30)


@override_settings(CELERY_BEAT_SCHEDULE=WITHOUT_SWEEP)
def test_the_ladder_fires_each_step_at_its_instant_once(
    company,
    team,
    policy,
    customer,
    agent,
    scheduled,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # given a ticket opened Monday 09:00 (first response due 11:00)
    agent.email = "ann@acme.test"
    agent.save()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    # when the check runs at the due instant: the lead is told, the priority not yet raised
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 0))
    rows = list(TicketEscalation.objects.filter(ticket=ticket).values_list("clock", "action"))
    assert rows == [("first_response", "notify_lead")]
    assert [m.to for m in mailoutbox] == [["ann@acme.test"]]
    # the next check is set for the second step: 30 business minutes after 11:00
    assert (ticket.pk, at(2026, 12, 7, 11, 30)) in scheduled
    # when it runs then, the priority goes up one rank
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 30))
    ticket.refresh_from_db()
    assert ticket.priority == "high"
    step = TicketEscalation.objects.get(ticket=ticket, step=1)
    assert (step.action, step.due_at, step.detail) == (
        "raise_priority",
        at(2026, 12, 7, 11, 30),
        "priority normal -> high",
    )
    # when the same checks run again nothing fires twice and no mail leaves
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 30))
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 0))
    assert TicketEscalation.objects.filter(ticket=ticket).count() == 2
    assert len(mailoutbox) == 1


def test_an_answered_ticket_does_not_escalate(company, team, policy, customer, agent):
    ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="On it", user=agent, now=at(2026, 12, 7, 10, 59))
    services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 0))
    assert not TicketEscalation.objects.filter(ticket=ticket).exists()


def test_reassign_and_notify_owner_steps(
    company, team, customer, agent, django_capture_on_commit_callbacks, mailoutbox
):
    from tandem.crm.services import opportunity_create

    other = UserFactory(username="bob", email="bob@acme.test")
    membership_grant(user=other, company=company, roles=["service"])
    team.members.add(other)
    owner = UserFactory(username="sally", email="sally@acme.test")
    membership_grant(user=owner, company=company, roles=["sales"])
    opportunity_create(company=company, party=customer, name="Freezers", owner=owner)
    services.sla_policy_create(
        company=company,
        name="Normal",
        priority="normal",
        first_response_hours=Decimal("1"),
        resolution_hours=Decimal("8"),
        escalation=[{"action": "reassign"}, {"action": "notify_owner"}],
    )
    ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_assign(ticket=ticket, assignee=agent, now=at(2026, 12, 7, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 10, 0))
    ticket.refresh_from_db()
    assert ticket.assignee == other
    assert [m.to for m in mailoutbox] == [["sally@acme.test"]]
    assert list(TicketEscalation.objects.filter(ticket=ticket).values_list("action", "detail")) == [
        ("reassign", "assigned to bob"),
        ("notify_owner", "mailed sally@acme.test"),
    ]


def test_a_bad_ladder_is_refused_and_nothing_is_written(company, team):
    with pytest.raises(ValidationFailed) as err:
        services.sla_policy_create(
            company=company,
            name="Bad",
            priority="high",
            first_response_hours=1,
            resolution_hours=2,
            escalation=[{"action": "shout", "after_minutes": 0}],
        )
    assert err.value.code == "validation.choice"
    assert not Ticket.objects.exists()
    from tandem.service.models import SlaPolicy

    assert not SlaPolicy.objects.filter(name="Bad").exists()


def test_escalations_api(api, company, team, policy, customer):
    ticket = _ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 11, 0))
    response = api.get(f"/tickets/{ticket.pk}/escalations")
    assert response.status_code == 200
    assert [(r["clock"], r["action"], r["step"]) for r in response.json()] == [
        ("first_response", "notify_lead", 0)
    ]
    bad = api.post(
        "/ticket-sla-policies",
        {
            "name": "X",
            "priority": "low",
            "first_response_hours": 1,
            "resolution_hours": 2,
            "escalation": [{"action": "nope"}],
        },
    )
    assert bad.status_code == 422
