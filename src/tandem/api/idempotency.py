"""`Idempotency-Key` on API POSTs: the first response is stored and replayed on retries.

A placeholder row is committed before the view runs, so a concurrent retry with the same
key meets the unique constraint and is told to wait (409) instead of doing the work twice.

The view then runs in one transaction with the storing of its response: either both are
committed or neither is. A process killed in between (SIGKILL, a lost machine) therefore
leaves only the placeholder, never work without its stored answer, and a placeholder older
than IDEMPOTENCY_IN_PROGRESS_SECONDS (longer than any request may run: gunicorn's timeout
is 120 s) is taken over by the next retry, which can then do the work safely once.

A response that carries a secret (a new API token) is not kept: the row records that the
request was done, and a replay answers 409 idempotency.not_replayable, so no raw token sits
in this table or in its backups.
"""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone

from tandem.core.models import IdempotencyKey
from tandem.core.services import token_authenticate

from .problems import problem_response

HEADER = "Idempotency-Key"
SECRET_ATTR = "_tandem_response_is_secret"


def mark_secret(request) -> None:
    """Called by a view whose response holds a secret: it must not be stored for replay."""
    setattr(request, SECRET_ATTR, True)


def _request_user(request):
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return token_authenticate(auth[7:].strip())
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class _Number(str):
    """A JSON number's literal text: `1.10` and `1.1` differ for a decimal field."""


def _dump(value) -> str:
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(json.dumps(k) + ":" + _dump(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    return json.dumps(value)


def canonical_body(body: bytes) -> bytes:
    """The body as the API reads it, so a retry that re-formats the same JSON (spacing, key
    order, escapes) replays; anything that is not JSON is compared byte for byte."""
    try:
        data = json.loads(body, parse_int=_Number, parse_float=_Number, parse_constant=_Number)
        return _dump(data).encode()
    except (ValueError, RecursionError):
        return body


def request_digest(request) -> str:
    """What makes two requests "the same": path, query string, company and body."""
    return hashlib.sha256(
        request.path.encode()
        + b"\n"
        + request.META.get("QUERY_STRING", "").encode()
        + b"\n"
        + request.headers.get("X-Company", "").encode()
        + b"\n"
        + canonical_body(request.body)
    ).hexdigest()


class _Discard(Exception):
    """Leaves the view's transaction rolled back and answers `response` instead."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def _in_progress(title="The first request with this key is still running"):
    return problem_response(status=409, code="idempotency.in_progress", title=title)


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.headers.get(HEADER)
        if request.method != "POST" or not key or not request.path.startswith("/api/"):
            return self.get_response(request)
        if len(key) > 255:
            return problem_response(
                status=422,
                code="idempotency.key_invalid",
                title="Idempotency-Key too long",
                errors=[{"field": HEADER, "message": "at most 255 chars"}],
            )
        user = _request_user(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself
        digest = request_digest(request)
        claim = secrets.token_hex(16)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=digest, path=request.path, claim=claim
                )
        except IntegrityError:
            record = IdempotencyKey.objects.filter(user=user, key=key).first()
            if record is None:  # expired between the insert and this read
                return _in_progress("Retry the request")
            if record.request_hash != digest:
                return problem_response(
                    status=422,
                    code="idempotency.key_reused",
                    title="Idempotency-Key was used with a different request",
                    errors=[{"field": HEADER, "message": "reused with a different body or path"}],
                )
            if record.status_code is not None:
                return self._replay(record)
            if not self._take_over(record, claim):
                return _in_progress()
        return self._run(request, record.pk, claim)

    @staticmethod
    def _take_over(record, claim) -> bool:
        """Claim a placeholder whose request died: nothing of its work was committed (see the
        module docstring). The conditional update lets exactly one retry win."""
        now = timezone.now()
        cutoff = now - timedelta(seconds=settings.IDEMPOTENCY_IN_PROGRESS_SECONDS)
        # created_at restarts too: the replay promise runs from the attempt that did the work.
        return bool(
            IdempotencyKey.objects.filter(
                pk=record.pk, status_code__isnull=True, created_at__lt=cutoff
            ).update(claim=claim, created_at=now)
        )

    def _run(self, request, pk, claim):
        mine = IdempotencyKey.objects.filter(pk=pk, claim=claim, status_code__isnull=True)
        try:
            with transaction.atomic():
                response = self.get_response(request)
                # A 5xx, or a 4xx from a view whose error broke the transaction (an
                # IntegrityError outside any savepoint): nothing is kept, a retry runs anew.
                if response.status_code >= 500 or transaction.get_rollback():
                    raise _Discard(response)
                secret = response.streaming or getattr(request, SECRET_ATTR, False)
                stored = mine.update(
                    status_code=response.status_code,
                    content_type=response.get("Content-Type", "application/json"),
                    response_body="" if secret else response.content.decode("utf-8", "replace"),
                    replayable=not secret,
                )
                if not stored:  # a retry took the key over: this slow request must not count
                    raise _Discard(_in_progress("Another attempt with this key took over"))
        except _Discard as discard:
            mine.delete()
            return discard.response
        except Exception:
            mine.delete()
            raise
        return response

    @staticmethod
    def _replay(record):
        if not record.replayable:
            return problem_response(
                status=409,
                code="idempotency.not_replayable",
                title="The request was done; its response held a secret and is not kept",
            )
        response = HttpResponse(
            record.response_body, status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
