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


class ReturnQuantityExceeded(Conflict):
    """More than was delivered and invoiced, less what earlier returns took back."""

    code = "return.quantity_exceeded"
    title = "More than may be returned"


class ReturnNotShipped(Conflict):
    code = "return.not_shipped"
    title = "Nothing of the order has shipped"


class NothingToRefund(Conflict):
    code = "return.nothing_to_refund"
    title = "Nothing was paid that the return should refund"


class AwaitingPayment(Conflict):
    """A prepaid order ships once its invoice is paid (the payment_verified stage)."""

    code = "sales.awaiting_payment"
    title = "The order waits for payment"
