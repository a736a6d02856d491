"""RFC 9457 problem+json responses with Tandem's stable error codes."""

import json

from django.http import HttpResponse

PROBLEM_TYPE_BASE = "https://tandem.invalid/problems/"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: list[dict] | None = None,
    **extra,
) -> HttpResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
        "errors": errors or [],
        **extra,
    }
    return HttpResponse(
        json.dumps(body, default=str), status=status, content_type="application/problem+json"
    )
