"""Bounded retry of requests that lost a lock race on the database.

A deadlock (40P01), a serialization failure (40001) or a lock that was not available (55P03)
rolls the transaction back, so running the request again is safe. `api.errors` turns such an
error into a 503 `database.conflict` problem marked retryable; `web.retry` does the same for
pages. The middleware here re-runs a marked response's request up to RETRY_ATTEMPTS times in
all, sleeping a random, growing pause between attempts (full jitter, so two requests that
deadlocked each other do not collide again in step); the last marked answer goes out as is.

It must sit outside every layer that opens a transaction around the view (the
Idempotency-Key layer runs the view in one): a retry inside a transaction whose statement
failed would run on an aborted transaction, and the idempotency layer must see each attempt
separately so that a failed one is never stored as the key's answer (it stores no 5xx).
"""

import logging
import random
import time

from django.conf import settings
from django.db import DatabaseError

logger = logging.getLogger("tandem.api")

RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
RETRY_ATTEMPTS = 4  # Odoo tries 5; a request that lost four times in a row is told to wait
BASE_PAUSE = 0.05  # seconds; the n-th pause is uniform in [0, BASE_PAUSE * 2**n], capped
MAX_PAUSE = 1.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MARK = "tandem_retryable"


def sqlstate_of(exc) -> str | None:
    """The SQLSTATE of a database error, looking through Django's wrapper to the driver's."""
    seen = 0
    while exc is not None and seen < 5:
        state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
        if state:
            return state
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def is_retryable(exc) -> bool:
    if not isinstance(exc, DatabaseError):
        return False
    if sqlstate_of(exc) in RETRYABLE_SQLSTATES:
        return True
    # SQLite's busy timeout ran out: another writer held the file (its own "lock not available")
    return "database is locked" in str(exc)


def mark_retryable(response):
    setattr(response, MARK, True)
    response["Retry-After"] = "1"
    return response


def attempts() -> int:
    return max(1, int(getattr(settings, "TANDEM_DB_RETRY_ATTEMPTS", RETRY_ATTEMPTS)))


def pause(attempt: int) -> None:
    time.sleep(random.uniform(0, min(MAX_PAUSE, BASE_PAUSE * 2**attempt)))


def run_with_retries(get_response, request):
    """Call `get_response` again while it answers a retryable response, bounded."""
    limit = attempts()
    for attempt in range(1, limit + 1):
        response = get_response(request)
        if not getattr(response, MARK, False) or attempt == limit:
            break
        logger.info(
            "database conflict on %s %s, attempt %d of %d: retrying",
            request.method,
            request.path,
            attempt,
            limit,
        )
        if hasattr(request, "_files"):  # the next attempt reads the uploads from the start
            for _name, uploads in request.FILES.lists():
                for upload in uploads:
                    upload.seek(0)
        pause(attempt)
    if getattr(response, MARK, False):
        logger.warning(
            "database conflict on %s %s after %d attempts", request.method, request.path, limit
        )
    request.tandem_attempts = attempt
    return response


class DatabaseRetryMiddleware:
    """API writes (under /api/, not GET/HEAD/OPTIONS) answered with a retryable problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") or request.method in SAFE_METHODS:
            return self.get_response(request)
        return run_with_retries(self.get_response, request)
