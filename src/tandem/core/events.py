"""Durable domain events: an outbox row written in the publishing transaction.

Lower apps publish (``invoice.posted``, ``stock.transfer_done``); higher apps subscribe in
their AppConfig.ready. Handlers get the payload as keyword arguments, as JSON would give it
back (a Decimal arrives as a string, a date as ISO text).

Delivery keeps the latency the apps rely on: right after the publishing transaction
commits, the event is delivered in-process, each subscriber in its own transaction, and
each success leaves a receipt committed with the subscriber's work. What failed is retried
by `deliver_due` (the beat task `tandem.core.tasks.deliver_events`) with backoff, only for
the subscribers without a receipt, and after `MAX_ATTEMPTS` the event is dead, which
`tandem check-integrity` reports. Subscribers must be idempotent: a worker that dies after a
subscriber's commit but before the event is marked delivered makes the next run skip it
thanks to the receipt, but a subscriber with effects outside the database may run twice.

`publish_many` writes many events of one name in one INSERT (a bulk import's
`party.created`), and their in-process delivery hands the sinks the whole list (one query
for the webhook endpoints, one INSERT of deliveries) and marks the delivered events in one
UPDATE: what an import of 100,000 rows would otherwise pay per row.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)
_subscribers: dict[str, list[Callable]] = defaultdict(list)
# sinks get the outbox rows of every event, as a list (the webhook fan-out): idempotent by
# construction, they run on every attempt without a receipt, which saves two writes per event
_sinks: list[Callable] = []

MAX_ATTEMPTS = 8
# wait after the n-th failed attempt; the beat task runs every 30 s
RETRY_DELAYS = (
    timedelta(seconds=10),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
# a fresh event belongs to its in-process delivery for this long before the retry task may
# take it (a process killed between commit and delivery leaves it to the task)
FRESH_GRACE = timedelta(seconds=60)
# how long a claimed event is left to the worker that claimed it; a worker killed
# mid-delivery leaves it to the next run after this
LEASE = timedelta(minutes=10)


def subscribe(event: str, handler: Callable) -> None:
    """Run `handler(event=..., **payload)` for `event` ("*" for every event)."""
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def add_sink(sink: Callable) -> None:
    """Run `sink(outbox_events)` (a list of rows: one event, or a batch of `publish_many`)
    for every event, on every attempt (it must be idempotent).

    The sink runs outside any transaction of its own and wraps its own writes in one.
    """
    if sink not in _sinks:
        _sinks.append(sink)


def unsubscribe(event: str, handler: Callable) -> None:
    if handler in _subscribers[event]:
        _subscribers[event].remove(handler)


def subscriber_name(handler: Callable) -> str:
    return f"{handler.__module__}.{handler.__qualname__}"


def subscribers_of(event: str) -> list[Callable]:
    return list(_subscribers[event]) + [
        h for h in _subscribers["*"] if h not in _subscribers[event]
    ]


def json_safe(payload: dict) -> dict:
    """The payload as the outbox stores it (TypeError for what JSON cannot carry)."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def publish(event: str, **payload) -> None:
    """Write `event` to the outbox in the current transaction; deliver it once it commits.

    A rolled-back transaction takes the outbox row with it, so nothing is delivered.
    """
    from .models.events import OutboxEvent

    data = json_safe(payload)
    company_id = data.get("company_id")
    row = OutboxEvent.objects.create(
        name=event,
        company_id=company_id if isinstance(company_id, int) else None,
        payload=data,
        next_attempt_at=timezone.now() + FRESH_GRACE,
    )
    transaction.on_commit(partial(_deliver_fresh, row))


def publish_many(event: str, payloads: Iterable[dict]) -> list:
    """`publish(event, **payload)` for each payload, in one INSERT; after the commit the
    events are delivered together (`deliver_many`). Answers the outbox rows."""
    from .models.events import OutboxEvent

    due = timezone.now() + FRESH_GRACE
    rows = []
    for payload in payloads:
        data = json_safe(payload)
        company_id = data.get("company_id")
        rows.append(
            OutboxEvent(
                name=event,
                company_id=company_id if isinstance(company_id, int) else None,
                payload=data,
                next_attempt_at=due,
            )
        )
    if not rows:
        return []
    rows = OutboxEvent.objects.bulk_create(rows)
    transaction.on_commit(partial(_deliver_fresh_many, rows))
    return rows


def _deliver_fresh(row) -> None:
    try:
        deliver(row, fresh=True)
    except Exception:  # the commit stands; the retry task takes the event over
        logger.exception("in-process delivery of %s failed", row.uid)


def _deliver_fresh_many(rows: list) -> None:
    # one transaction for the batch instead of a commit per subscriber and event; a failure
    # leaves the events pending, to the retry task, as after `publish`
    try:
        with transaction.atomic():
            deliver_many(rows, fresh=True)
    except Exception:
        logger.exception("in-process delivery of %d %s events failed", len(rows), rows[0].name)


def _run_subscribers(event, *, fresh: bool) -> list[str]:
    """Run the subscribers of `event` without a receipt; the errors of those that failed."""
    from .models.events import OutboxReceipt

    handlers = subscribers_of(event.name)
    if not handlers:
        return []
    done = set() if fresh else set(event.receipts.values_list("subscriber", flat=True))
    errors = []
    for handler in handlers:
        name = subscriber_name(handler)
        if name in done:
            continue
        try:
            with transaction.atomic():
                if fresh:
                    # nobody else runs a fresh event (FRESH_GRACE keeps the retry task off
                    # it), so the receipt needs no savepoint of its own: a clash would fail
                    # this subscriber's attempt, and the retry then finds the receipt
                    OutboxReceipt.objects.create(event=event, subscriber=name)
                else:
                    try:
                        with transaction.atomic():
                            OutboxReceipt.objects.create(event=event, subscriber=name)
                    except IntegrityError:
                        continue  # another run got there first and committed its work
                handler(event=event.name, **dict(event.payload))
        except Exception as exc:  # one failing subscriber must not stop the others
            logger.exception("subscriber %s failed on %s %s", name, event.name, event.uid)
            errors.append(f"{name}: {type(exc).__name__}: {exc}"[:1000])
    return errors


def deliver(event, *, fresh: bool = False) -> bool:
    """Run the subscribers of `event` that have no receipt yet; True when all succeeded.

    `fresh`: the first, in-process attempt, which knows there are no receipts yet.
    """
    return deliver_many([event], fresh=fresh) == 1


def deliver_many(rows: list, *, fresh: bool = False) -> int:
    """`deliver` for each of `rows`, the sinks given the whole list at once and the outcome
    written in one UPDATE per kind of outcome; answers how many were delivered in full."""
    from .models.events import EventState, OutboxEvent

    errors = {event.pk: _run_subscribers(event, fresh=fresh) for event in rows}
    for sink in list(_sinks):
        try:
            # a sink opens its own transaction when it writes: most events have nothing
            # to fan out, and an empty transaction costs two statements per event
            sink(rows)
        except Exception as exc:
            name = subscriber_name(sink)
            logger.exception("sink %s failed on %d %s events", name, len(rows), rows[0].name)
            for event in rows:
                errors[event.pk].append(f"{name}: {type(exc).__name__}: {exc}"[:1000])
    now = timezone.now()
    outcomes: dict[tuple, list] = defaultdict(list)
    for event in rows:
        attempts = event.attempts + 1 if fresh else event.attempts
        failed = errors[event.pk]
        if not failed:
            fields = {"state": EventState.DELIVERED, "delivered_at": now, "last_error": ""}
        elif attempts >= MAX_ATTEMPTS:
            fields = {"state": EventState.DEAD, "last_error": "\n".join(failed)}
        else:
            delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
            fields = {"next_attempt_at": now + delay, "last_error": "\n".join(failed)}
        fields["attempts"] = attempts
        for key, value in fields.items():
            setattr(event, key, value)
        outcomes[tuple(sorted(fields.items()))].append(event.pk)
    for fields, pks in outcomes.items():
        OutboxEvent.objects.filter(pk__in=pks).update(**dict(fields))
    return sum(1 for event in rows if not errors[event.pk])


def deliver_due(*, now=None, limit: int = 500) -> int:
    """Retry the pending events whose time has come; returns how many were attempted.

    Each event is claimed by moving its next attempt a lease ahead (compare-and-set), so
    two workers never run it at once, and one killed mid-delivery leaves it for later.
    """
    from .models.events import EventState, OutboxEvent

    now = now or timezone.now()
    # a worker killed on every try (the lease ran out each time) must not loop for ever
    OutboxEvent.objects.filter(
        state=EventState.PENDING, attempts__gte=MAX_ATTEMPTS, next_attempt_at__lte=now
    ).update(state=EventState.DEAD, last_error=F("last_error"))
    due = list(
        OutboxEvent.objects.filter(state=EventState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:limit]
    )
    attempted = 0
    for pk, when in due:
        claimed = OutboxEvent.objects.filter(
            pk=pk, state=EventState.PENDING, next_attempt_at=when
        ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
        if not claimed:
            continue
        event = OutboxEvent.objects.get(pk=pk)
        attempted += 1
        try:
            deliver(event)
        except Exception:  # e.g. the database went away; the lease brings it back
            logger.exception("retrying %s failed", event.uid)
    return attempted


def events_prune(*, older_than_days: int | None = None) -> int:
    """Delete delivered events older than the retention (and their receipts and webhook
    deliveries); dead and pending ones stay for check-integrity and the retry task."""
    from django.conf import settings

    from .models.events import EventState, OutboxEvent

    days = older_than_days or getattr(settings, "OUTBOX_KEEP_DAYS", 30)
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = OutboxEvent.objects.filter(
        state=EventState.DELIVERED, created_at__lt=cutoff
    ).delete()
    return deleted


# Hooks: synchronous reactions that must commit or roll back with the change itself
# (e.g. seeding a new company's units of measure). Use `publish` for everything else.
_hooks: dict[str, list[Callable]] = defaultdict(list)


def hook(event: str, handler: Callable) -> None:
    if handler not in _hooks[event]:
        _hooks[event].append(handler)


def emit(event: str, **payload) -> None:
    """Run the hooks of `event` now, inside the caller's transaction; errors propagate."""
    for handler in list(_hooks[event]):
        handler(event=event, **payload)
