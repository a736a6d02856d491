"""The automation's "call a webhook" action goes out through core's webhook machinery: a
Standard Webhooks signed POST with the run's payload for the contact that flowed through,
and a failing endpoint is retried on core's schedule by the delivery, not by running the
automation step again (one outbox event, one logical delivery, the same body each time)."""

from datetime import timedelta

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

import tests.webhook_receiver as wr
from tandem.core import webhooks
from tandem.core.models import OutboxEvent, WebhookDelivery
from tandem.marketing import services
from tandem.marketing.models import AutomationRun

receiver = wr.receiver
EVENT = "marketing.automation_webhook"


def _flow(company, owner):
    segment = services.segment_create(
        company=company,
        name="Subscribers",
        rules={"all": [{"field": "consent", "op": "granted", "value": "newsletter"}]},
    )
    return services.automation_save(
        company=company,
        name="Sync to shop",
        trigger="segment_entry",
        segment=segment,
        steps=[{"type": "webhook", "name": "shop-sync"}, {"type": "tag", "tag": "synced"}],
        active=True,
        user=owner,
    )


def test_the_webhook_action_delivers_a_signed_event_and_retries_without_rerunning_the_step(
    company, owner, party, receiver, django_capture_on_commit_callbacks
):
    endpoint, secret = webhooks.webhook_create(
        company=company, url=receiver.url(), events=[EVENT], user=owner
    )
    automation = _flow(company, owner)
    ada = party("Ada Lovelace", consent=["newsletter"])
    party("Cy", consent=[])  # not in the segment: no run, no webhook
    receiver.answers = [500]  # the endpoint fails once

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.automations_tick(now=now) == {"entered": 1, "advanced": 1}

    run = AutomationRun.objects.get()
    assert (run.party_id, run.state) == (ada.pk, "done")
    assert [entry["do"] for entry in run.log if entry["step"] == 0] == ["webhook"]
    assert ada.tags.filter(name="synced").exists()
    event = OutboxEvent.objects.get(name=EVENT)

    # first try: signed, the run's payload, answered 500 -> failed, retry scheduled by core
    (first,) = receiver.requests
    assert Webhook(secret).verify(first["body"], first["headers"]) == {
        "type": EVENT,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "company_id": company.pk,
            "automation_id": automation.pk,
            "run_id": run.pk,
            "party_id": ada.pk,
            "step": 0,
            "name": "shop-sync",
        },
    }
    assert first["headers"]["webhook-id"] == event.uid
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint_id, delivery.state, delivery.attempts) == (endpoint.pk, "failed", 1)
    assert delivery.next_retry_at - delivery.updated_at == timedelta(seconds=5)

    # the automation moving on does not publish again
    with django_capture_on_commit_callbacks(execute=True):
        services.automations_tick(now=now + timedelta(hours=1))
    assert len(receiver.requests) == 1

    # the retry, when due: delivered, same message id and body, still one event and delivery
    due = delivery.next_retry_at + timedelta(seconds=1)
    assert webhooks.delivery_attempt(delivery.pk, now=due) == "delivered"
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 2, 200)
    assert receiver.ids() == [event.uid, event.uid]
    assert receiver.requests[1]["body"] == first["body"]
    assert OutboxEvent.objects.filter(name=EVENT).count() == 1
    assert WebhookDelivery.objects.count() == 1
    run.refresh_from_db()
    assert [entry["do"] for entry in run.log if entry["step"] == 0] == ["webhook"]
    assert ada.tags.filter(name="synced").count() == 1
