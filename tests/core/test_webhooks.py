"""Webhooks: endpoints through the API, signed deliveries to a real loopback receiver, the
retry schedule, 410, a worker killed mid-delivery, replay, SSRF refusals, the catalogue."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

import tests.webhook_receiver as wr
from tandem.core import events, webhooks
from tandem.core.event_catalog import event_names
from tandem.core.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from tandem.core.services import membership_grant
from tandem.core.tasks import dispatch_webhooks
from tests.factories import UserFactory

receiver = wr.receiver
SRC = Path(__file__).resolve().parents[2] / "src" / "tandem"


@pytest.fixture
def public_dns(monkeypatch):
    """Names resolve as the test says (no network): {host: [addresses]}."""
    table = {"hooks.example.com": ["93.184.216.34"]}
    real = webhooks.resolve

    def resolve(host, port):
        return table[host] if host in table else real(host, port)

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return table


@pytest.fixture
def hook(api, receiver):
    """An endpoint on the loopback receiver for `party.created` and `party.updated`."""
    answer = api.post(
        "/webhooks",
        {"url": receiver.url(), "events": ["party.created", "party.updated"]},
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def publish(company, django_capture_on_commit_callbacks, name="party.created", **payload):
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(name, party_id=payload.pop("party_id", 5), company_id=company.pk, **payload)
    return OutboxEvent.objects.filter(name=name).latest("pk")


def verify(secret, request):
    """The independent oracle: the standardwebhooks package checks the signature."""
    return Webhook(secret).verify(request["body"], request["headers"])


def later(delivery, seconds=0):
    """The moment the delivery's retry is due (the tests never sleep)."""
    delivery.refresh_from_db()
    return delivery.next_retry_at + timedelta(seconds=seconds)


# -- endpoints through the API ---------------------------------------------------------------


def test_create_shows_the_secret_once_and_lists_without_it(api, hook, receiver):
    assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", hook["secret"])
    assert (hook["url"], hook["events"], hook["active"]) == (
        receiver.url(),
        ["party.created", "party.updated"],
        True,
    )

    read = api.get(f"/webhooks/{hook['id']}").json()
    listed = api.listed("/webhooks")
    assert "secret" not in read
    assert [w["id"] for w in listed["items"]] == [hook["id"]]
    assert "secret" not in listed["items"][0]


def test_update_and_delete(api, hook):
    changed = api.patch(
        f"/webhooks/{hook['id']}", {"events": ["invoice.posted"], "description": "ERP"}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["events"], changed.json()["description"]) == (["invoice.posted"], "ERP")

    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_unknown_events_are_refused_and_nothing_is_saved(api, receiver):
    answer = api.post("/webhooks", {"url": receiver.url(), "events": ["party.exploded"]})
    empty = api.post("/webhooks", {"url": receiver.url(), "events": []})

    assert (answer.status_code, answer.json()["code"]) == (422, "webhook.event_unknown")
    assert (empty.status_code, empty.json()["code"]) == (422, "webhook.events_required")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://internal.example.com/hook",
    ],
)
def test_private_addresses_are_refused(api, public_dns, url):
    public_dns["internal.example.com"] = ["93.184.216.34", "10.0.0.7"]

    answer = api.post("/webhooks", {"url": url, "events": ["invoice.posted"]})

    assert answer.status_code == 422, answer.content
    assert answer.json()["code"] == "webhook.url_private"
    assert answer.json()["errors"][0]["field"] == "url"
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_in_production_and_a_public_https_url_is_accepted(api, public_dns):
    plain = api.post("/webhooks", {"url": "http://hooks.example.com/h", "events": ["lead.created"]})
    ftp = api.post("/webhooks", {"url": "ftp://hooks.example.com/h", "events": ["lead.created"]})
    good = api.post("/webhooks", {"url": "https://hooks.example.com/h", "events": ["lead.created"]})

    assert (plain.status_code, plain.json()["code"]) == (422, "webhook.url_scheme")
    assert (ftp.status_code, ftp.json()["code"]) == (422, "webhook.url_invalid")
    assert good.status_code == 201
    assert WebhookEndpoint.objects.count() == 1


def test_an_update_to_a_private_address_is_refused_and_changes_nothing(api, public_dns):
    created = api.post(
        "/webhooks", {"url": "https://hooks.example.com/h", "events": ["lead.created"]}
    ).json()

    answer = api.patch(f"/webhooks/{created['id']}", {"url": "https://10.0.0.1/h"})

    assert (answer.status_code, answer.json()["code"]) == (422, "webhook.url_private")
    assert WebhookEndpoint.objects.get().url == "https://hooks.example.com/h"


def test_webhooks_need_the_webhook_permission(company, api_as, hook):
    clerk = UserFactory(username="clerk")
    membership_grant(user=clerk, company=company, roles=["sales"])
    as_clerk = api_as(clerk, company)

    assert as_clerk.get("/webhooks").status_code == 403
    assert as_clerk.post("/webhooks", {"url": "https://x.example", "events": []}).status_code == 403
    assert as_clerk.get(f"/webhooks/{hook['id']}/deliveries").status_code == 403


# -- deliveries ------------------------------------------------------------------------------


def test_a_delivery_is_signed_per_standard_webhooks(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    event = publish(company, django_capture_on_commit_callbacks, party_id=7)

    (request,) = receiver.requests
    assert verify(hook["secret"], request) == {
        "type": "party.created",
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": {"party_id": 7, "company_id": company.pk},
    }
    assert request["headers"]["webhook-id"] == event.uid
    assert request["headers"]["webhook-signature"].startswith("v1,")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 1, 200)
    assert delivery.response_excerpt == "ok"


def test_a_tampered_body_fails_the_oracle(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    publish(company, django_capture_on_commit_callbacks)
    (request,) = receiver.requests
    tampered = {**request, "body": request["body"].replace(b'"party_id":5', b'"party_id":6')}

    with pytest.raises(Exception, match="(?i)signature"):
        verify(hook["secret"], tampered)


def test_events_the_endpoint_did_not_pick_or_of_another_company_are_not_sent(
    company, other_company, hook, receiver, django_capture_on_commit_callbacks
):
    publish(company, django_capture_on_commit_callbacks, name="lead.created", lead_id=1)
    publish(other_company, django_capture_on_commit_callbacks)

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_a_receiver_down_twice_gets_the_event_on_the_third_try_with_the_same_id(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500, 503]
    event = publish(company, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("failed", 1, 500)
    assert delivery.response_excerpt == "nope 500"
    # the second try waits 5 s, the third 5 min: the Standard Webhooks schedule
    assert delivery.next_retry_at - delivery.updated_at == timedelta(seconds=5)
    assert webhooks.delivery_attempt(delivery.pk) is None  # not due yet: nothing sent
    assert len(receiver.requests) == 1

    assert webhooks.delivery_attempt(delivery.pk, now=later(delivery)) == "failed"
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status_code) == (2, 503)
    assert delivery.next_retry_at - delivery.updated_at == timedelta(minutes=5)
    assert webhooks.delivery_attempt(delivery.pk, now=later(delivery)) == "delivered"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 3, 200)
    assert receiver.ids() == [event.uid] * 3
    # the retries were sent "later" than the clock says, so the oracle's own signing checks
    # them (its verify() would refuse a timestamp from the future)
    for request in receiver.requests:
        headers = request["headers"]
        sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
        assert headers["webhook-signature"] == Webhook(hook["secret"]).sign(
            event.uid, sent_at, request["body"].decode()
        )
    assert WebhookDelivery.objects.count() == 1  # one logical delivery


def test_a_receiver_down_for_good_makes_the_delivery_dead_after_the_schedule(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500] * 20
    publish(company, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    while webhooks.delivery_attempt(delivery.pk, now=later(delivery, 1)) == "failed":
        pass

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("dead", len(webhooks.SCHEDULE))
    assert len(receiver.requests) == 8
    assert WebhookEndpoint.objects.get().active  # dead deliveries do not disable it


def test_a_410_answer_disables_the_endpoint(
    api, company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [410]
    publish(company, django_capture_on_commit_callbacks)

    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.active, endpoint.disabled_reason) == (False, "410 Gone")
    assert WebhookDelivery.objects.get().state == "dead"
    publish(company, django_capture_on_commit_callbacks, name="party.updated")
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1
    read = api.get(f"/webhooks/{hook['id']}").json()
    assert (read["active"], read["disabled_reason"]) == (False, "410 Gone")


def test_one_failing_endpoint_does_not_hold_up_another(
    api, company, receiver, django_capture_on_commit_callbacks
):
    good = wr.Receiver()
    try:
        receiver.answers = [500]
        for url in (receiver.url("/broken"), good.url("/fine")):
            assert api.post("/webhooks", {"url": url, "events": ["party.created"]}).status_code
        publish(company, django_capture_on_commit_callbacks)
    finally:
        good.close()

    states = dict(WebhookDelivery.objects.values_list("endpoint__url", "state"))
    assert states == {receiver.url("/broken"): "failed", good.url("/fine"): "delivered"}
    assert len(good.requests) == 1


def test_a_delivery_whose_worker_was_killed_is_sent_again_by_the_sweep(
    company, hook, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    # the first attempt claims the delivery and its worker dies before the answer is saved
    monkeypatch.setattr(webhooks, "enqueue", lambda ids: None)
    event = publish(company, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    claimed = webhooks._claim(delivery.pk, now)
    assert claimed is not None  # the worker had it, and then was killed
    monkeypatch.undo()

    assert dispatch_webhooks.apply().get() == 0  # claimed: nobody else sends it meanwhile
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_until=now - timedelta(seconds=1))
    assert dispatch_webhooks.apply().get() == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)
    assert receiver.ids() == [event.uid]  # at least once, under the event's own id


def test_the_sweep_sends_retries_that_are_due(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    event = publish(company, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert dispatch_webhooks.apply().get() == 0  # the retry is 5 s away

    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_retry_at=timezone.now())
    assert dispatch_webhooks.apply().get() == 1

    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert receiver.ids() == [event.uid, event.uid]


def test_the_delivery_log_and_replay(
    api, company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [500]
    event = publish(company, django_capture_on_commit_callbacks)

    log = api.listed(f"/webhooks/{hook['id']}/deliveries")
    (first,) = log["items"]
    assert {k: first[k] for k in ("event_id", "event", "attempt", "status_code", "state")} == {
        "event_id": event.uid,
        "event": "party.created",
        "attempt": 1,
        "status_code": 500,
        "state": "failed",
    }
    assert first["next_retry_at"] is not None
    assert first["response_excerpt"] == "nope 500"

    with django_capture_on_commit_callbacks(execute=True):
        replay = api.post(f"/webhook-deliveries/{first['id']}/replay")
    assert replay.status_code == 201, replay.content
    assert (replay.json()["replay_of"], replay.json()["event_id"]) == (first["id"], event.uid)

    assert receiver.ids() == [event.uid, event.uid]
    assert verify(hook["secret"], receiver.requests[-1])["type"] == "party.created"
    states = [d["state"] for d in api.listed(f"/webhooks/{hook['id']}/deliveries")["items"]]
    assert states == ["delivered", "failed"]


def test_a_replay_of_another_companys_delivery_is_not_found(
    api, company, other_company, receiver, api_as, django_capture_on_commit_callbacks
):
    boss = UserFactory(username="boss")
    membership_grant(user=boss, company=other_company, roles=["owner"])
    theirs = api_as(boss, other_company)
    created = theirs.post("/webhooks", {"url": receiver.url(), "events": ["party.created"]})
    assert created.status_code == 201
    publish(other_company, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()

    answer = api.post(f"/webhook-deliveries/{delivery.pk}/replay")
    log = api.get(f"/webhooks/{created.json()['id']}/deliveries")

    assert (answer.status_code, answer.json()["code"]) == (404, "webhook_delivery.not_found")
    assert log.status_code == 404
    assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_dns_changed_to_a_private_address_is_refused_at_delivery(
    company, public_dns, api, django_capture_on_commit_callbacks
):
    api.post("/webhooks", {"url": "https://hooks.example.com/h", "events": ["party.created"]})
    public_dns["hooks.example.com"] = ["127.0.0.1"]  # rebinding after the check

    publish(company, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.status_code) == ("failed", None)
    assert delivery.last_error.startswith("refused: hooks.example.com resolves to a private")


# -- the catalogue ----------------------------------------------------------------------------


def published_names() -> set[str]:
    pattern = re.compile(r"""events\.publish\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
    return {
        name
        for path in SRC.rglob("*.py")
        for name in pattern.findall(path.read_text(encoding="utf-8"))
    }


def test_every_published_event_is_in_the_catalogue(api):
    names = published_names()
    assert len(names) >= 30
    assert names - set(event_names()) == set()

    body = api.get("/events/catalog").json()
    listed = {item["name"]: item for item in body["items"]}
    assert body["count"] == len(listed) == len(event_names())
    invoice = listed["invoice.posted"]
    assert invoice["schema"]["type"] == "object"
    assert set(invoice["schema"]["required"]) == set(invoice["example"])
    assert invoice["example"]["total"] == "1130.00"


def test_only_the_start_of_a_huge_answer_is_read(
    company, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.reply = b"x" * 5_000_000

    publish(company, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.response_excerpt) == ("delivered", "x" * webhooks.EXCERPT)


def test_a_batch_of_events_fans_out_in_one_read_and_one_insert_each_signed(
    company, other_company, hook, receiver, django_capture_on_commit_callbacks
):
    """publish_many (a bulk import's party.created): the sink takes the whole list; each
    event still gets its own signed delivery, events of another company or not picked none."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payloads = [{"party_id": n, "company_id": company.pk} for n in range(1, 6)]
    payloads.append({"party_id": 9, "company_id": other_company.pk})
    with (
        CaptureQueriesContext(connection) as captured,
        django_capture_on_commit_callbacks(execute=True),
    ):
        rows = events.publish_many("party.created", payloads)

    assert len(rows) == 6
    # every event of the batch is delivered (the fixtures' own events, published before the
    # on-commit capture began, stay pending: a test transaction never commits them)
    batch = OutboxEvent.objects.filter(pk__in=[row.pk for row in rows])
    assert set(batch.values_list("state", "last_error")) == {("delivered", "")}
    sent = sorted(verify(hook["secret"], r)["data"]["party_id"] for r in receiver.requests)
    assert sent == [1, 2, 3, 4, 5]
    ids = {r["headers"]["webhook-id"] for r in receiver.requests}
    assert ids == {row.uid for row in rows[:5]}
    assert WebhookDelivery.objects.filter(state="delivered").count() == 5
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "core_webhookendpoint"' in s for s in sql) == 1
    assert sum(s.startswith('INSERT INTO "core_outboxevent"') for s in sql) == 1
