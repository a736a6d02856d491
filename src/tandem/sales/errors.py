"""Sales refusals, each with a stable code (see API.md)."""

from tandem.core.errors import Conflict, Duplicate, Forbidden, ValidationFailed


class PriceBelowFloor(Forbidden):
    code = "sales.price_below_floor"
    title = "Price below the price-list price"


class CreditLimitExceeded(Conflict):
    """The order went on credit hold; `extra` names the exception opened."""

    code = "credit.limit_exceeded"
    title = "Credit limit exceeded"


class OrderShipped(Conflict):
    code = "sales.shipped"
    title = "Goods have shipped"


class Overinvoiced(Conflict):
    code = "sales.overinvoiced"
    title = "More than the invoicing policy allows"


class NothingToInvoice(Conflict):
    code = "sales.nothing_to_invoice"
    title = "Nothing to invoice"


class NotDraft(Conflict):
    code = "sales.not_draft"
    title = "Only quotations can be changed"


class NoLines(ValidationFailed):
    code = "sales.no_lines"
    title = "The order has no lines"


class ProductNotSellable(ValidationFailed):
    code = "sales.product_not_sellable"
    title = "Product cannot be sold"


class DuplicateReference(Duplicate):
    code = "sales.duplicate_reference"
    title = "An order with that channel reference exists"


class OnHold(Conflict):
    code = "sales.on_hold"
    title = "The order is on credit hold"
