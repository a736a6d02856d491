"""The outbox: events written with the change, delivered after commit, retried, then dead."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from tandem.cli import main
from tandem.core import events
from tandem.core.integrity import run_all
from tandem.core.models import EventState, OutboxEvent, OutboxReceipt


@pytest.fixture
def subscribed():
    """subscribed(handler, event="thing.happened"): subscribe for the length of the test."""
    added = []

    def add(handler, event="thing.happened"):
        events.subscribe(event, handler)
        added.append((event, handler))
        return handler

    yield add
    for event, handler in added:
        events.unsubscribe(event, handler)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block as one committed transaction: its on-commit delivery runs at the end."""

    class Block:
        def __enter__(self):
            self.capture = django_capture_on_commit_callbacks(execute=True)
            self.capture.__enter__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()

        def __exit__(self, *exc):
            self.atomic.__exit__(*exc)
            return self.capture.__exit__(*exc)

    return Block


def later(hours=1):
    return timezone.now() + timedelta(hours=hours)


def test_an_event_is_written_in_the_transaction_and_delivered_after_it_commits(
    db, subscribed, committed
):
    got = []
    subscribed(lambda event, **payload: got.append((event, payload)))

    with committed():
        events.publish("thing.happened", thing_id=7, company_id=None)
        row = OutboxEvent.objects.get()
        assert (row.name, row.state, got) == ("thing.happened", "pending", [])

    row.refresh_from_db()
    assert got == [("thing.happened", {"thing_id": 7, "company_id": None})]
    assert (row.state, row.attempts, row.last_error) == ("delivered", 1, "")
    assert row.uid.startswith("evt_")
    assert OutboxReceipt.objects.filter(event=row).count() == 1


def test_a_rolled_back_transaction_publishes_nothing(db, subscribed, committed):
    got = []
    subscribed(lambda event, **payload: got.append(payload))

    with pytest.raises(ValueError), committed():
        events.publish("thing.happened", thing_id=8)
        raise ValueError("the change is refused")

    assert got == []
    assert not OutboxEvent.objects.exists()


def test_payloads_are_stored_and_delivered_as_json(db, subscribed, committed):
    got = []
    subscribed(lambda event, **payload: got.append(payload))

    with committed():
        events.publish(
            "thing.happened",
            amount=Decimal("1234.50"),
            on=date(2026, 3, 1),
            at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
            ids=[1, 2],
        )

    expected = {
        "amount": "1234.50",
        "on": "2026-03-01",
        "at": "2026-03-01T08:30:00Z",
        "ids": [1, 2],
    }
    assert got == [expected]
    assert OutboxEvent.objects.get().payload == expected


def test_a_payload_json_cannot_carry_is_refused_with_the_change(db, company):
    with pytest.raises(TypeError), transaction.atomic():
        events.publish("thing.happened", company=company)
    assert not OutboxEvent.objects.filter(name="thing.happened").exists()


def test_a_subscriber_failing_twice_is_retried_and_its_effect_happens_once(
    db, subscribed, committed
):
    effects, calls, others = [], [], []

    def flaky(event, thing_id, **payload):
        calls.append(thing_id)
        if len(calls) <= 2:
            raise ConnectionError("the other side is down")
        effects.append(thing_id)

    subscribed(flaky)
    subscribed(lambda event, thing_id, **payload: others.append(thing_id))

    with committed():
        events.publish("thing.happened", thing_id=9)
    row = OutboxEvent.objects.get()
    assert (row.state, row.attempts) == ("pending", 1)
    assert "ConnectionError: the other side is down" in row.last_error

    assert events.deliver_due() == 0  # not due yet: the retry waits for its backoff
    assert events.deliver_due(now=later()) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, effects) == ("pending", 2, [])
    assert events.deliver_due(now=later(2)) == 1

    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("delivered", 3, "")
    assert calls == [9, 9, 9]
    assert effects == [9]
    assert others == [9]  # the subscriber that succeeded at once did not run again
    assert events.deliver_due(now=later(100)) == 0


def test_a_subscriber_that_always_fails_leaves_a_dead_event_that_check_integrity_reports(
    db, subscribed, committed, capsys
):
    def broken(event, **payload):
        raise RuntimeError("boom")

    subscribed(broken)
    with committed():
        events.publish("thing.happened", thing_id=10)
    row = OutboxEvent.objects.get()

    hours = 0
    while row.state == EventState.PENDING:
        hours += 24
        assert events.deliver_due(now=later(hours)) == 1
        row.refresh_from_db()

    assert (row.state, row.attempts) == ("dead", events.MAX_ATTEMPTS)
    assert events.deliver_due(now=later(1000)) == 0
    report = dict(run_all().results)
    assert report["outbox: no dead events"] == [
        f"thing.happened {row.uid}: dead after {events.MAX_ATTEMPTS} attempts "
        "(tests.core.test_outbox.test_a_subscriber_that_always_fails_leaves_a_dead_event_"
        "that_check_integrity_reports.<locals>.broken: RuntimeError: boom)"
    ]
    with pytest.raises(SystemExit) as exit_info:
        main(["check-integrity"])
    assert exit_info.value.code == 1
    assert f"thing.happened {row.uid}: dead after" in capsys.readouterr().out


def test_an_event_left_pending_for_long_is_reported(db):
    row = OutboxEvent.objects.create(
        name="thing.happened", payload={}, created_at=timezone.now() - timedelta(hours=2)
    )

    breaches = dict(run_all().results)["outbox: no event pending for long"]

    assert len(breaches) == 1
    assert breaches[0].startswith(f"thing.happened {row.uid}: pending since")


def test_an_event_whose_worker_died_mid_delivery_is_delivered_by_the_next_run(
    db, subscribed, committed
):
    got = []
    subscribed(lambda event, **payload: got.append(payload))
    with transaction.atomic():
        # the in-process delivery never happens: the process dies right after the commit
        row = OutboxEvent.objects.create(
            name="thing.happened", payload={"thing_id": 12}, next_attempt_at=timezone.now()
        )
    # a worker claims it and dies before finishing: the claim is a lease that runs out
    now = timezone.now()
    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=now + events.LEASE, attempts=1)

    assert events.deliver_due(now=now) == 0  # still leased to the dead worker
    assert events.deliver_due(now=now + events.LEASE) == 1

    row.refresh_from_db()
    assert (row.state, row.attempts, got) == ("delivered", 2, [{"thing_id": 12}])


def test_a_subscriber_whose_receipt_exists_is_not_run_again(db, subscribed, committed):
    """The crash after a subscriber committed but before the event was marked delivered."""
    got = []
    handler = subscribed(lambda event, **payload: got.append(payload))
    row = OutboxEvent.objects.create(
        name="thing.happened", payload={"thing_id": 13}, next_attempt_at=timezone.now()
    )
    OutboxReceipt.objects.create(event=row, subscriber=events.subscriber_name(handler))

    assert events.deliver_due() == 1

    row.refresh_from_db()
    assert (row.state, got) == ("delivered", [])


def test_delivered_events_past_the_retention_are_pruned_dead_ones_stay(db):
    old = timezone.now() - timedelta(days=31)
    delivered = OutboxEvent.objects.create(name="a.b", state="delivered", created_at=old)
    dead = OutboxEvent.objects.create(name="a.b", state="dead", created_at=old)
    fresh = OutboxEvent.objects.create(name="a.b", state="delivered")
    OutboxReceipt.objects.create(event=delivered, subscriber="x")

    from tandem.core.tasks import prune_events

    assert prune_events.apply().get() == 2  # the event and its receipt
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {dead.pk, fresh.pk}
