"""Bounded retry of API requests that lost a lock race on the database.

A deadlock or serialization failure rolls the whole transaction back, so running the request
again is safe; after MAX_ATTEMPTS the client gets the 503 problem from api.errors.
"""

import random
import time

RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available
MAX_ATTEMPTS = 3


def is_retryable(exc) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return "database is locked" in str(exc)


class DatabaseRetryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") or request.method in {"GET", "HEAD", "OPTIONS"}:
            return self.get_response(request)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = self.get_response(request)
            if not getattr(response, "tandem_retryable", False) or attempt == MAX_ATTEMPTS:
                return response
            time.sleep(random.uniform(0.01, 0.05) * attempt)
        return response
