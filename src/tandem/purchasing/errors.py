"""Purchasing refusals, each with a stable code (see API.md)."""

from tandem.core.errors import (  # noqa: F401  (shared; re-exported)
    Conflict,
    InvalidReference,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)


class OrderInvalidTransition(InvalidTransition):
    code = "purchase.invalid_transition"
    title = "Not allowed in the order's state"


class OrderNotDraft(InvalidTransition):
    code = "purchase.not_draft"
    title = "Only requests for quotation can change"


class OrderNoLines(ValidationFailed):
    code = "purchase.no_lines"
    title = "The order has no lines"


class OrderReceived(Conflict):
    """Goods already came in: cancelling would leave them without an order."""

    code = "purchase.received"
    title = "Goods were received on the order"


class OrderCancelled(Conflict):
    code = "purchase.cancelled"
    title = "The order is cancelled"


class OrderOverbilled(Conflict):
    code = "purchase.overbilled"
    title = "More than the order allows would be billed"


class NothingToBill(Conflict):
    code = "purchase.nothing_to_bill"
    title = "Nothing to bill"


class NothingToReceive(Conflict):
    code = "purchase.nothing_to_receive"
    title = "Nothing to receive"


class OrderBilled(Conflict):
    code = "purchase.billed"
    title = "The order has bills"
