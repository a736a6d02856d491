"""The analytics app's stable error codes."""

from tandem.core.errors import NotFound, ValidationFailed


class HorizonTooLong(ValidationFailed):
    code = "analytics.horizon_too_long"
    title = "Horizon too long"


class NoHistory(NotFound):
    code = "analytics.no_history"
    title = "No history"


class BadServiceLevel(ValidationFailed):
    code = "analytics.bad_service_level"
    title = "Service level out of range"


class TooFewRows(ValidationFailed):
    code = "analytics.too_few_rows"
    title = "Too few rows"
