"""In-process domain events, dispatched only after the publishing transaction commits.

Lower apps publish (``invoice.paid``, ``stock.low``); higher apps subscribe in their
AppConfig.ready. Handlers get the payload as keyword arguments.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)
_subscribers: dict[str, list[Callable]] = defaultdict(list)


def subscribe(event: str, handler: Callable) -> None:
    if handler not in _subscribers[event]:
        _subscribers[event].append(handler)


def unsubscribe(event: str, handler: Callable) -> None:
    if handler in _subscribers[event]:
        _subscribers[event].remove(handler)


def _dispatch(event: str, payload: dict) -> None:
    for handler in list(_subscribers[event]) + list(_subscribers["*"]):
        try:
            handler(event=event, **payload)
        except Exception:  # one failing subscriber must not stop the others
            logger.exception("subscriber %r failed on %s", handler, event)


def publish(event: str, **payload) -> None:
    """Queue `event` for dispatch on commit; dropped if the transaction rolls back."""
    transaction.on_commit(lambda: _dispatch(event, dict(payload)))


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
