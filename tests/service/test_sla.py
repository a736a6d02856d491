"""SLA clocks from the state log, in business time, with pauses, reopen and exact checks."""

from datetime import date

import pytest
from django.test import override_settings

from tandem.core.calendars import calendar_day_set
from tandem.core.errors import InvalidTransition
from tandem.service import services
from tandem.service.models import Ticket, TicketTransition

from .conftest import WITHOUT_SWEEP, at


def open_ticket(company, team, customer, when, **extra):
    return services.ticket_create(
        company=company,
        subject="The freezer is warm",
        channel="phone",
        party=customer,
        team=team,
        now=when,
        body="Since this morning",
        **extra,
    )


def test_clocks_skip_the_weekend_and_the_lunch_break(company, team, policy, customer):
    # given a normal ticket opened on Friday 17:00, an hour before closing
    ticket = open_ticket(company, team, customer, at(2026, 12, 4, 17, 0))
    # then the first response is due two working hours later: Monday 10:00
    assert ticket.policy == policy
    assert ticket.first_response_due == at(2026, 12, 7, 10, 0)
    # and resolution eight: 1 h Friday, 3 h Monday morning, 4 h after lunch -> 17:00
    assert ticket.resolution_due == at(2026, 12, 7, 17, 0)
    assert ticket.sla_state == "on_track"
    assert ticket.number.startswith("T2026-")


@override_settings(CELERY_BEAT_SCHEDULE=WITHOUT_SWEEP)
def test_the_check_is_scheduled_at_the_exact_instant_and_is_idempotent(
    company, team, policy, customer, scheduled, django_capture_on_commit_callbacks
):
    # given a ticket opened Friday 17:00 (first response: warning at 80 % = 96 min)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket(company, team, customer, at(2026, 12, 4, 17, 0))
    # then the first check is sent for Monday 09:36 exactly
    assert scheduled == [(ticket.pk, at(2026, 12, 7, 9, 36))]
    # when it runs at that instant the ticket is at risk and the due instant is next
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 9, 36)) == (
            "at_risk"
        )
    assert scheduled[-1] == (ticket.pk, at(2026, 12, 7, 10, 0))
    # when the due instant comes without a reply, it is breached
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 10, 0)) == (
            "breached"
        )
    # the next instant is the resolution warning: 6.4 h = 1 h Fri + 3 h + 2 h 24 min -> 15:24
    assert scheduled[-1] == (ticket.pk, at(2026, 12, 7, 15, 24))
    count = len(scheduled)
    # and running the same check again changes nothing and schedules nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_sla_check(ticket_id=ticket.pk, now=at(2026, 12, 7, 10, 0))
    assert len(scheduled) == count
    assert Ticket.objects.get(pk=ticket.pk).sla_state == "breached"


def test_waiting_on_the_customer_pauses_every_clock(company, team, policy, customer, agent):
    # given a ticket opened Monday 09:00, answered at 10:00 and set waiting on the customer
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(
        ticket=ticket,
        body="Please send a photo",
        user=agent,
        state="waiting_customer",
        now=at(2026, 12, 7, 10, 0),
    )
    ticket.refresh_from_db()
    assert ticket.first_response_seconds == 3600
    # then while paused the resolution has no due instant
    assert ticket.resolution_due is None
    assert ticket.sla_state == "on_track"
    # when the customer answers Tuesday 09:30, 7 h remain: 2.5 h before lunch, 4.5 after
    services.ticket_inbound(
        ticket=ticket,
        body="Photo attached",
        from_address="li@bright.test",
        now=at(2026, 12, 8, 9, 30),
    )
    ticket.refresh_from_db()
    assert ticket.state == "open"
    assert ticket.resolution_due == at(2026, 12, 8, 17, 30)


def test_six_months_on_hold_count_nothing(company, team, policy, customer, agent):
    ticket = open_ticket(company, team, customer, at(2026, 1, 5, 9, 0))
    services.ticket_reply(
        ticket=ticket,
        body="Waiting for you",
        user=agent,
        state="waiting_customer",
        now=at(2026, 1, 5, 10, 0),
    )
    services.ticket_inbound(
        ticket=ticket, body="Back", from_address="li@bright.test", now=at(2026, 7, 6, 9, 0)
    )
    ticket = services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 7, 6, 10, 0))
    # 1 h before the hold and 1 h after it
    assert ticket.resolution_seconds == 7200
    assert ticket.sla_state == "met"


def test_met_within_targets(company, team, policy, customer, agent):
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="On it", user=agent, now=at(2026, 12, 7, 9, 30))
    ticket = services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 11, 0))
    assert (ticket.first_response_seconds, ticket.resolution_seconds) == (1800, 7200)
    assert ticket.sla_state == "met"
    assert ticket.resolved_at == at(2026, 12, 7, 11, 0)


def test_resolved_one_minute_late_is_breached(company, team, policy, customer, agent):
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="On it", user=agent, now=at(2026, 12, 7, 9, 30))
    # the 8 h end Monday 18:00; Tuesday 09:01 is one working minute later
    ticket = services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 8, 9, 1))
    assert ticket.resolution_seconds == 8 * 3600 + 60
    assert ticket.sla_state == "breached"


def test_a_reopened_ticket_continues_its_clock(company, team, policy, customer, agent):
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_reply(ticket=ticket, body="Fixed", user=agent, now=at(2026, 12, 7, 9, 30))
    services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 10, 0))
    # when the customer writes again at 15:00 (within the reopen window)
    services.ticket_inbound(
        ticket=ticket,
        body="Still warm",
        from_address="li@bright.test",
        now=at(2026, 12, 7, 15, 0),
    )
    ticket.refresh_from_db()
    # then 1 h is spent, 7 h remain: 15-18, Tuesday 9-12, 13-14
    assert ticket.state == "open"
    assert ticket.resolution_due == at(2026, 12, 8, 14, 0)
    assert list(
        TicketTransition.objects.filter(ticket=ticket).values_list("to_state", flat=True)
    ) == ["new", "open", "resolved", "open"]


def test_a_calendar_edit_recomputes_open_tickets(company, team, policy, customer, calendar):
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    assert ticket.first_response_due == at(2026, 12, 7, 11, 0)
    # when Monday becomes a company holiday and the open tickets are refreshed
    calendar_day_set(calendar=calendar, day=date(2026, 12, 7), kind="holiday", name="Storm")
    assert services.sla_refresh_open(company=company, now=at(2026, 12, 7, 9, 0)) == 1
    ticket.refresh_from_db()
    assert ticket.first_response_due == at(2026, 12, 8, 11, 0)


def test_priority_change_picks_the_policy_again(company, team, policy, customer, agent):
    urgent = services.sla_policy_create(
        company=company,
        name="Urgent",
        priority="urgent",
        first_response_hours="0.5",
        resolution_hours="4",
    )
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    ticket = services.ticket_assign(
        ticket=ticket, priority="urgent", user=agent, now=at(2026, 12, 7, 9, 10)
    )
    assert ticket.policy == urgent
    assert ticket.first_response_due == at(2026, 12, 7, 9, 30)


def test_a_closed_ticket_cannot_be_resolved(company, team, policy, customer, agent):
    ticket = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 10, 0))
    services.ticket_close(ticket=ticket, user=agent, now=at(2026, 12, 7, 11, 0))
    before = TicketTransition.objects.filter(ticket=ticket).count()
    with pytest.raises(InvalidTransition) as err:
        services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 12, 0))
    assert err.value.code == "ticket.invalid_transition"
    assert TicketTransition.objects.filter(ticket=ticket).count() == before
    assert Ticket.objects.get(pk=ticket.pk).state == "closed"


def test_merge_moves_messages_and_closes_the_source(company, team, policy, customer, agent):
    first = open_ticket(company, team, customer, at(2026, 12, 7, 9, 0))
    second = open_ticket(company, team, customer, at(2026, 12, 7, 9, 5))
    target = services.ticket_merge(ticket=second, into=first, user=agent, now=at(2026, 12, 7, 10))
    second.refresh_from_db()
    assert (second.state, second.merged_into_id) == ("closed", first.pk)
    assert target.messages.count() == 3  # both first messages and the merge note
    assert target.first_response_due == at(2026, 12, 7, 11, 0)  # its own clock, unchanged
    with pytest.raises(InvalidTransition):
        services.ticket_merge(ticket=second, into=first, user=agent)


def test_a_reply_costs_a_fixed_number_of_queries(
    company, team, policy, customer, agent, django_assert_num_queries
):
    ticket = open_ticket(
        company, team, customer, at(2026, 12, 7, 9, 0), customer_email="li@bright.test"
    )
    ticket = Ticket.objects.get(pk=ticket.pk)
    # lock, message, team, state log, ticket, SLA (policy, log, calendar, overrides), the
    # customer's last message for the threading headers, and savepoints
    with django_assert_num_queries(15):
        services.ticket_reply(ticket=ticket, body="On it", user=agent, now=at(2026, 12, 7, 9, 30))
