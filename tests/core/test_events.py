import pytest
from django.db import transaction

from tandem.core import events


@pytest.fixture
def received():
    got = []

    def handler(event, **payload):
        got.append((event, payload))

    events.subscribe("thing.happened", handler)
    yield got
    events.unsubscribe("thing.happened", handler)


@pytest.mark.django_db(transaction=True)
def test_event_is_delivered_after_commit(received):
    with transaction.atomic():
        events.publish("thing.happened", thing_id=7)
        assert received == []
    assert received == [("thing.happened", {"thing_id": 7})]


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_transaction_is_dropped(received):
    with pytest.raises(ValueError), transaction.atomic():
        events.publish("thing.happened", thing_id=8)
        raise ValueError
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(received):
    def broken(event, **payload):
        raise RuntimeError("boom")

    events.subscribe("thing.happened", broken)
    try:
        with transaction.atomic():
            events.publish("thing.happened", thing_id=9)
    finally:
        events.unsubscribe("thing.happened", broken)
    assert received == [("thing.happened", {"thing_id": 9})]


def test_publish_many_writes_one_insert_and_delivers_each_event_once_committed(db):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tandem.core.models import OutboxEvent, OutboxReceipt

    got = []

    def handler(event, **payload):
        got.append(payload["n"])

    events.subscribe("batch.happened", handler)
    try:
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            rows = events.publish_many("batch.happened", ({"n": n} for n in range(4)))
            inserts = [q for q in captured.captured_queries if "core_outboxevent" in q["sql"]]
            assert len(inserts) == 1 and got == []
        # the test transaction never commits: deliver as the on-commit callback would
        events._deliver_fresh_many(rows)
    finally:
        events.unsubscribe("batch.happened", handler)

    assert got == [0, 1, 2, 3]
    states = OutboxEvent.objects.filter(name="batch.happened").values_list("state", "attempts")
    assert sorted(states) == [("delivered", 1)] * 4
    assert OutboxReceipt.objects.filter(event__name="batch.happened").count() == 4
    assert events.publish_many("batch.happened", []) == []


def test_a_failing_subscriber_in_a_batch_leaves_only_its_event_pending(db):
    from tandem.core.models import OutboxEvent

    def handler(event, **payload):
        if payload["n"] == 2:
            raise ValueError("no two")

    events.subscribe("batch.happened", handler)
    try:
        rows = events.publish_many("batch.happened", ({"n": n} for n in range(4)))
        events._deliver_fresh_many(rows)
    finally:
        events.unsubscribe("batch.happened", handler)

    states = dict(
        (e.payload["n"], (e.state, e.attempts, "no two" in e.last_error))
        for e in OutboxEvent.objects.filter(name="batch.happened")
    )
    assert states == {
        0: ("delivered", 1, False),
        1: ("delivered", 1, False),
        2: ("pending", 1, True),
        3: ("delivered", 1, False),
    }
