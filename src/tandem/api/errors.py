import logging

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tandem.core.errors import DomainError
from tandem.core.params import out_of_range

from .parser import BodyNotAnObject
from .problems import problem_response
from .retry import is_retryable, mark_retryable, sqlstate_of

logger = logging.getLogger("tandem.api")


def _field_of(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "payload")]
    return ".".join(parts) or "body"


def database_conflict_problem():
    """What a request that kept losing lock races gets: 503, so the client (and its
    Idempotency-Key) may try again; the detail says nothing of the database's text."""
    return problem_response(
        status=503,
        code="database.conflict",
        title="Conflicting concurrent changes",
        detail="Other changes to the same records were being made at the same time; "
        "retry the request.",
    )


def install(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return problem_response(
            status=exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.message,
            errors=exc.errors,
            **exc.extra,
        )

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {"field": _field_of(e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in exc.errors
        ]
        return problem_response(
            status=422,
            code="validation.invalid",
            title="Invalid input",
            detail="; ".join(f"{e['field']}: {e['message']}" for e in errors),
            errors=errors,
        )

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": f, "message": m} for f, msgs in exc.message_dict.items() for m in msgs
            ]
        else:
            errors = [{"field": "body", "message": m} for m in exc.messages]
        return problem_response(
            status=422,
            code="validation.invalid",
            title="Invalid input",
            detail="; ".join(e["message"] for e in errors),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return problem_response(
            status=401,
            code="auth.required",
            title="Authentication required",
            detail="Send 'Authorization: Bearer <token>' or log in.",
        )

    @api.exception_handler(PermissionDenied)
    def permission_error(request, exc):
        return problem_response(
            status=403,
            code="permission.denied",
            title="Permission denied",
            detail=str(exc) or "Permission denied",
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem_response(
            status=404, code="not_found", title="Not found", detail=str(exc) or "Not found"
        )

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return problem_response(status=404, code="not_found", title="Not found", detail=str(exc))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        if isinstance(exc.__cause__, BodyNotAnObject):
            # ninja reports every body its parser refuses as unparsable (400); this one is
            # well-formed JSON of the wrong type, so it is invalid input like a wrong field.
            message = str(exc.__cause__)
            return problem_response(
                status=422,
                code="validation.invalid",
                title="Invalid input",
                detail=f"body: {message}",
                errors=[{"field": "body", "message": message}],
            )
        code = {
            400: "request.malformed",
            401: "auth.required",
            403: "permission.denied",
            404: "not_found",
            405: "request.method_not_allowed",
            429: "request.throttled",
        }.get(exc.status_code, "request.error")
        return problem_response(status=exc.status_code, code=code, title=str(exc), detail=str(exc))

    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request, exc):
        # e.g. `Content-Type: multipart/form-data` without a boundary: Django cannot parse it
        return problem_response(
            status=400,
            code="request.malformed",
            title="Malformed multipart body",
            detail=str(exc) or "The multipart body cannot be parsed",
        )

    # Database errors: the client gets a stable code and a generic detail, never the
    # database's own text (it names tables, constraints and sometimes values); the log has it.

    @api.exception_handler(IntegrityError)
    def integrity_error(request, exc):
        logger.warning("integrity error: %s", exc)
        return problem_response(
            status=409,
            code="conflict.integrity",
            title="Conflicts with existing data",
            detail="The change conflicts with existing data (a duplicate or a missing reference).",
        )

    @api.exception_handler(DatabaseError)
    def database_error(request, exc):
        if is_retryable(exc):
            # A deadlock, serialization failure or lock timeout: marked so that the retry
            # middleware runs the request again; after its last attempt the client gets this.
            logger.warning("database conflict (%s): %s", sqlstate_of(exc), exc)
            return mark_retryable(database_conflict_problem())
        if isinstance(exc, OperationalError):  # the connection dropped, the server restarts
            logger.warning("operational error: %s", exc)
            response = problem_response(
                status=503,
                code="database.unavailable",
                title="Try again",
                detail="The database is not available; retry the request shortly.",
            )
            response["Retry-After"] = "5"
            return response
        logger.exception("database error")
        return problem_response(status=500, code="server.error", title="Internal error")

    @api.exception_handler(Exception)
    def unexpected(request, exc):
        if out_of_range(exc):
            # a date or number past what Python or the database holds (a report up to
            # 9999-12-31): the input is wrong, not the server
            logger.warning("input out of range: %s", exc)
            return problem_response(
                status=422,
                code="validation.out_of_range",
                title="Invalid input",
                detail="A date or number in the request is out of range.",
            )
        logger.exception("unhandled API error")
        return problem_response(status=500, code="server.error", title="Internal error")
