"""Accounting refusals, each with a stable code (see API.md and the README of this app)."""

from tandem.core.errors import (
    Conflict,
    InvalidReference,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)


class EntryPosted(InvalidTransition):
    """A posted entry and its lines never change; a correction is a reversal."""

    code = "entry.posted"
    title = "Posted entries cannot change"


class Unbalanced(ValidationFailed):
    code = "ledger.unbalanced"
    title = "Debits and credits differ"


class PeriodClosed(Conflict):
    code = "period.closed"
    title = "The period is closed"


class PeriodMissing(ValidationFailed):
    code = "period.missing"
    title = "No fiscal period covers the date"


class InUse(Conflict):
    code = "account.in_use"
    title = "Still in use"


class ChartInstalled(Conflict):
    code = "chart.installed"
    title = "The company already has a chart of accounts"


__all__ = [
    "ChartInstalled",
    "Conflict",
    "EntryPosted",
    "InUse",
    "InvalidReference",
    "InvalidTransition",
    "NotFound",
    "PeriodClosed",
    "PeriodMissing",
    "Unbalanced",
    "ValidationFailed",
]
