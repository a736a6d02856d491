"""Mail intake without a broker send per message (issue 16, step 4): a check due within
SEND_AHEAD goes to Celery at once, a later one waits for the beat sweep, which sends it with
its exact eta before it is due; without the sweep in the beat schedule, every check is sent
at once as before."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import override_settings

from tandem.service import services
from tandem.service.models import Ticket
from tandem.service.services.sla import SEND_AHEAD, SWEEP_TASK

from .conftest import WITHOUT_SWEEP, at

WITH_SWEEP = {
    **settings.CELERY_BEAT_SCHEDULE,
    "service-sla-sweep": {"task": SWEEP_TASK, "schedule": 300.0},
}
OPENED = at(2026, 12, 7, 9, 0)  # Monday; first response due 11:00 (warning at 10:36)


def _new(company, team, customer, when=OPENED, priority="normal"):
    return services.ticket_create(
        priority=priority,
        company=company,
        subject="Door seal",
        channel="email",
        party=customer,
        customer_email="li@bright.test",
        team=team,
        now=when,
        body="It leaks",
    )


@override_settings(CELERY_BEAT_SCHEDULE=WITH_SWEEP)
def test_a_check_hours_ahead_waits_for_the_sweep_and_is_sent_once(
    company, team, policy, customer, scheduled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _new(company, team, customer)
    ticket.refresh_from_db()
    warn = at(2026, 12, 7, 10, 36)  # 80 % of two business hours
    assert ticket.sla_check_at == warn and ticket.sla_check_sent is None
    assert scheduled == []  # nothing handed to the broker by the intake
    # a sweep long before the instant sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep(now=at(2026, 12, 7, 10, 0)) == 0
    assert scheduled == []
    # the sweep within SEND_AHEAD of it sends it with its exact eta, once
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep(now=warn - SEND_AHEAD + timedelta(minutes=1)) == 1
        assert services.sla_sweep(now=warn - timedelta(minutes=1)) == 0
    assert scheduled == [(ticket.pk, warn)]
    ticket.refresh_from_db()
    assert ticket.sla_check_sent == warn


@override_settings(CELERY_BEAT_SCHEDULE=WITH_SWEEP)
def test_a_check_due_soon_is_sent_at_once(
    company, team, customer, scheduled, django_capture_on_commit_callbacks
):
    # an urgent policy: first response in a quarter of an hour, warning at 80 % (12 min)
    services.sla_policy_create(
        company=company,
        name="Urgent",
        priority="urgent",
        first_response_hours=Decimal("0.25"),
        resolution_hours=Decimal("4"),
        warn_percent=80,
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _new(company, team, customer, priority="urgent")
    ticket.refresh_from_db()
    assert ticket.sla_check_at == at(2026, 12, 7, 9, 12)
    assert scheduled == [(ticket.pk, at(2026, 12, 7, 9, 12))]
    assert ticket.sla_check_sent == ticket.sla_check_at
    # the sweep does not send it again
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep(now=at(2026, 12, 7, 9, 5)) == 0
    assert len(scheduled) == 1


@override_settings(CELERY_BEAT_SCHEDULE=WITHOUT_SWEEP)
def test_without_the_sweep_every_check_is_sent_at_once(
    company, team, policy, customer, scheduled, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _new(company, team, customer)
    ticket.refresh_from_db()
    assert scheduled == [(ticket.pk, at(2026, 12, 7, 10, 36))]
    assert ticket.sla_check_sent == ticket.sla_check_at


@override_settings(CELERY_BEAT_SCHEDULE=WITH_SWEEP)
def test_resolved_tickets_are_not_swept(
    company, team, policy, customer, agent, scheduled, django_capture_on_commit_callbacks
):
    ticket = _new(company, team, customer)
    services.ticket_resolve(ticket=ticket, user=agent, now=at(2026, 12, 7, 9, 30))
    Ticket.objects.filter(pk=ticket.pk).update(sla_check_at=at(2026, 12, 7, 10, 36))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep(now=at(2026, 12, 7, 10, 30)) == 0
    assert scheduled == []


@pytest.mark.django_db
def test_the_sweep_task_is_registered():
    from tandem.service import tasks

    assert tasks.sla_sweep.name == SWEEP_TASK
