"""Webhooks: outbox events signed per Standard Webhooks and POSTed to a company's endpoints.

The webhook fan-out is an outbox sink: every delivered event (one, or a batch from
`events.publish_many`) makes one delivery row per matching active endpoint of its company
(idempotent: one first delivery per endpoint and event). Each delivery is its own Celery
task, so a slow or failing endpoint never holds up another; a failed one is retried on the
Standard Webhooks schedule, then dead. A 410 answer disables the endpoint.

SSRF: an endpoint's host must resolve only to public addresses, checked when the endpoint
is saved and again at every delivery (DNS may change in between), and the request goes to
the address that was checked. `TANDEM_WEBHOOKS_ALLOW_PRIVATE=1` lifts the check, and also
allows plain http, for on-premise receivers and tests; plain http is also allowed with
TANDEM_DEBUG.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .errors import InvalidTransition, ValidationFailed
from .event_catalog import event_names
from .models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint
from .services import UNSET

logger = logging.getLogger(__name__)

# Standard Webhooks: at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead.
SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
CONNECT_TIMEOUT = 5.0
TIMEOUT = 15.0
# a claimed delivery belongs to its worker this long; past it, a worker killed mid-delivery
# has its delivery picked up again (at-least-once)
CLAIM = timedelta(seconds=TIMEOUT * 4)
EXCERPT = 500
SECRET_PREFIX = "whsec_"


# -- URLs and SSRF -------------------------------------------------------------------------


def allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (a seam the tests replace for public names)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, link-local, private, shared (100.64/10) and reserved
    return ip.is_global and not ip.is_multicast


def url_check(url: str, *, field: str = "url") -> list[str]:
    """Refuse a URL that is not http(s) or reaches a non-public address; its addresses."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationFailed(
            f"Not a valid URL: {exc}", code="webhook.url_invalid", field=field
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            "The URL must be an http(s) URL with a host", code="webhook.url_invalid", field=field
        )
    if parts.scheme != "https" and not (settings.DEBUG or allow_private()):
        raise ValidationFailed(
            "Webhook URLs must use https", code="webhook.url_scheme", field=field
        )
    try:
        addresses = resolve(parts.hostname, port)
    except (OSError, UnicodeError) as exc:
        raise ValidationFailed(
            f"{parts.hostname} does not resolve ({exc})",
            code="webhook.url_unresolvable",
            field=field,
        ) from None
    if not allow_private():
        private = [a for a in addresses if not _is_public(a)]
        if private or not addresses:
            raise ValidationFailed(
                f"{parts.hostname} resolves to a private or reserved address "
                f"({', '.join(private)}); set TANDEM_WEBHOOKS_ALLOW_PRIVATE=1 to allow it",
                code="webhook.url_private",
                field=field,
            )
    return addresses


def _clean_events(names) -> list[str]:
    if not isinstance(names, list | tuple) or not names:
        raise ValidationFailed(
            "Choose at least one event", code="webhook.events_required", field="events"
        )
    known = set(event_names())
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed(
            f"Unknown events: {', '.join(map(str, unknown))}",
            code="webhook.event_unknown",
            field="events",
        )
    return sorted(set(names))


# -- endpoints -----------------------------------------------------------------------------


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@transaction.atomic
def webhook_create(
    *, company, url: str, events, description: str = "", active: bool = True, user=None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its secret (the only time the secret is handed out)."""
    url = (url or "").strip()
    url_check(url)
    secret = secret_new()
    endpoint = WebhookEndpoint.objects.create(
        company=company,
        url=url,
        events=_clean_events(events),
        description=(description or "").strip()[:200],
        active=bool(active),
        secret=secret,
        created_by=user if getattr(user, "pk", None) else None,
    )
    return endpoint, secret


@transaction.atomic
def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    url=UNSET,
    events=UNSET,
    description=UNSET,
    active=UNSET,
) -> WebhookEndpoint:
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not UNSET:
        locked.url = (url or "").strip()
        url_check(locked.url)
    if events is not UNSET:
        locked.events = _clean_events(events)
    if description is not UNSET:
        locked.description = (description or "").strip()[:200]
    if active is not UNSET:
        locked.active = bool(active)
        if locked.active:
            locked.disabled_reason = ""
    locked.save()
    return locked


@transaction.atomic
def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


# -- signing ---------------------------------------------------------------------------------


def message_body(event) -> bytes:
    """The body of every delivery of `event`: the same bytes on each retry and replay."""
    return json.dumps(
        {
            "type": event.name,
            "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
            "data": event.payload,
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": "Tandem-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


# -- fan-out and delivery ------------------------------------------------------------------


def fan_out(events) -> None:
    """Outbox sink: a delivery per event (of `events`, a list) and active endpoint of the
    event's company that wants it. One query finds the endpoints of all the events'
    companies and one INSERT writes the deliveries, however many events."""
    companies = {e.company_id for e in events if e.company_id is not None}
    if not companies:
        return
    endpoints: dict[int, list[tuple[int, set]]] = {}
    for pk, company_id, names in WebhookEndpoint.objects.filter(
        company_id__in=companies, active=True
    ).values_list("pk", "company_id", "events"):
        endpoints.setdefault(company_id, []).append((pk, set(names or ())))
    wanted = [
        (event, pk)
        for event in events
        for pk, names in endpoints.get(event.company_id, ())
        if event.name in names
    ]
    if not wanted:
        return
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(company_id=event.company_id, endpoint_id=pk, event=event)
                for event, pk in wanted
            ],
            ignore_conflicts=True,
        )
        fresh = list(
            WebhookDelivery.objects.filter(
                event_id__in={event.pk for event, _pk in wanted},
                endpoint_id__in={pk for _event, pk in wanted},
                state=DeliveryState.PENDING,
                attempts=0,
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: enqueue(fresh))


def enqueue(delivery_ids) -> None:
    """One task per delivery: a slow endpoint holds up only its own."""
    from .tasks import deliver_webhook

    for pk in delivery_ids:
        try:
            deliver_webhook.delay(pk)
        except Exception:  # the broker is down: the sweep sends it later
            logger.exception("could not queue webhook delivery %s", pk)


def _claim(delivery_id: int, now):
    claimed = (
        WebhookDelivery.objects.filter(
            pk=delivery_id, state__in=(DeliveryState.PENDING, DeliveryState.FAILED)
        )
        .filter(Q(next_retry_at__isnull=True) | Q(next_retry_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(claimed_until=now + CLAIM, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)


def _post(endpoint: WebhookEndpoint, headers: dict, body: bytes):
    import httpx

    parts = urlsplit(endpoint.url)
    url = httpx.URL(endpoint.url)
    extensions = {}
    addresses = url_check(endpoint.url)
    if not allow_private():
        # connect to the address that was checked, not to what a second lookup may say
        extensions["sni_hostname"] = parts.hostname
        headers = {**headers, "host": parts.netloc.rsplit("@", 1)[-1]}
        url = url.copy_with(host=addresses[0])
    timeout = httpx.Timeout(TIMEOUT, connect=CONNECT_TIMEOUT)
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        client.stream("POST", url, content=body, headers=headers, extensions=extensions) as answer,
    ):
        # only the start of the answer is kept: a receiver cannot make us read a huge body
        read = b""
        for chunk in answer.iter_bytes():
            read += chunk
            if len(read) >= EXCERPT * 4:
                break
        return answer.status_code, read.decode("utf-8", "replace")[:EXCERPT]


def delivery_attempt(delivery_id: int, *, now=None) -> str | None:
    """Send one delivery if it is due and nobody else is sending it; its new state."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint, event = delivery.endpoint, delivery.event
    fields = {"claimed_until": None}
    status = None
    if not endpoint.active:
        fields.update(state=DeliveryState.DEAD, last_error="endpoint disabled")
    else:
        body = message_body(event)
        headers = signed_headers(endpoint.secret, event.uid, int(now.timestamp()), body)
        try:
            status, excerpt = _post(endpoint, headers, body)
        except ValidationFailed as exc:
            fields.update(last_error=f"refused: {exc.message}"[:1000], status_code=None)
        except Exception as exc:  # timeouts, refused connections, TLS errors
            fields.update(last_error=f"{type(exc).__name__}: {exc}"[:1000], status_code=None)
        else:
            fields.update(
                status_code=status,
                response_excerpt=excerpt,
                last_error="" if 200 <= status < 300 else f"HTTP {status}",
            )
        if status is not None and 200 <= status < 300:
            fields.update(state=DeliveryState.DELIVERED, delivered_at=now, next_retry_at=None)
        elif status == 410:
            # the receiver says the endpoint is gone for good: stop sending to it
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                active=False, disabled_reason="410 Gone", updated_at=now
            )
            fields.update(state=DeliveryState.DEAD, next_retry_at=None)
        elif delivery.attempts >= len(SCHEDULE):
            fields.update(state=DeliveryState.DEAD, next_retry_at=None)
        else:
            fields.update(
                state=DeliveryState.FAILED, next_retry_at=now + SCHEDULE[delivery.attempts]
            )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(updated_at=now, **fields)
    if fields.get("state") == DeliveryState.FAILED:
        _schedule_retry(delivery.pk, fields["next_retry_at"] - now)
    return fields.get("state")


def _schedule_retry(delivery_id: int, delay: timedelta) -> None:
    """Ask the broker to run the retry on time; the sweep catches it if that is lost."""
    from celery import current_app

    if current_app.conf.task_always_eager:
        return  # eager (tests): the countdown would be ignored and the retry run at once
    from .tasks import deliver_webhook

    try:
        deliver_webhook.apply_async((delivery_id,), countdown=delay.total_seconds())
    except Exception:
        logger.exception("could not schedule the retry of webhook delivery %s", delivery_id)


def deliveries_due(*, now=None, limit: int = 500) -> list[int]:
    """Deliveries whose retry is due, or whose worker died mid-delivery (claim ran out)."""
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            state__in=(DeliveryState.PENDING, DeliveryState.FAILED), next_retry_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_retry_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the delivery's event to its endpoint again, as a new delivery with the same id."""
    if not delivery.endpoint.active:
        raise InvalidTransition(
            "The endpoint is disabled; enable it first", code="webhook.endpoint_disabled"
        )
    replay = WebhookDelivery.objects.create(
        company_id=delivery.company_id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        replay_of=delivery,
    )
    transaction.on_commit(lambda: enqueue([replay.pk]))
    return replay
