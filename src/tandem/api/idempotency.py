"""`Idempotency-Key` on API POSTs: the first response is stored and replayed on retries.

A placeholder row is committed before the view runs, so a concurrent retry with the same
key meets the unique constraint and is told to wait (409) instead of doing the work twice.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse

from tandem.core.models import IdempotencyKey
from tandem.core.services import token_authenticate

from .problems import problem_response

HEADER = "Idempotency-Key"


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
        digest = hashlib.sha256(
            request.path.encode()
            + b"\n"
            + request.headers.get("X-Company", "").encode()
            + b"\n"
            + canonical_body(request.body)
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, request_hash=digest, path=request.path
                )
        except IntegrityError:
            return self._replay(user, key, digest)
        try:
            response = self.get_response(request)
        except Exception:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if response.status_code >= 500 or response.streaming:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            return response
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=response.status_code,
            content_type=response.get("Content-Type", "application/json"),
            response_body=response.content.decode("utf-8", errors="replace"),
        )
        return response

    @staticmethod
    def _replay(user, key, digest):
        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:  # expired between the insert and this read
            return problem_response(
                status=409, code="idempotency.in_progress", title="Retry the request"
            )
        if record.request_hash != digest:
            return problem_response(
                status=422,
                code="idempotency.key_reused",
                title="Idempotency-Key was used with a different request",
                errors=[{"field": HEADER, "message": "reused with a different body or path"}],
            )
        if record.status_code is None:
            return problem_response(
                status=409,
                code="idempotency.in_progress",
                title="The first request with this key is still running",
            )
        response = HttpResponse(
            record.response_body, status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
