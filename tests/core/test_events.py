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
