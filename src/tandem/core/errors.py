"""Domain errors: every refusal carries a stable code that API clients rely on."""


class DomainError(Exception):
    """A refused operation. `code` is stable (e.g. ``stock.insufficient``)."""

    code = "domain.error"
    status = 409
    title = "Operation refused"

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict] | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message or self.title)
        self.message = message or self.title
        if code:
            self.code = code
        self.field = field
        self.errors = errors or ([{"field": field, "message": self.message}] if field else [])
        self.extra = extra or {}


class ValidationFailed(DomainError):
    code = "validation.invalid"
    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    code = "permission.denied"
    status = 403
    title = "Permission denied"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflict"


class Duplicate(Conflict):
    """A record with the same natural key exists; `extra['existing_id']` points at it."""

    code = "duplicate"
    title = "Already exists"


class InvalidReference(ValidationFailed):
    """An id in the input that is not a row of the caller's company."""

    code = "reference.invalid"
    title = "Unknown reference"


class InvalidTransition(Conflict):
    code = "state.invalid_transition"
    title = "Not allowed in the current state"
