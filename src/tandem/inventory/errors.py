"""Inventory refusals, each with a stable code (see API.md)."""

from tandem.core.errors import (  # noqa: F401  (shared; re-exported)
    Conflict,
    InvalidReference,
    InvalidTransition,
    ValidationFailed,
)

from .models import MoveDone  # noqa: F401


class InsufficientStock(Conflict):
    """Not enough available stock; `extra` names the product, location and shortfall."""

    code = "stock.insufficient"
    title = "Not enough stock"


class SerialDuplicate(ValidationFailed):
    code = "stock.serial_duplicate"
    title = "Serial number used twice"


class LotMismatch(ValidationFailed):
    code = "stock.lot_mismatch"
    title = "Lot of another product"


class LotRequired(ValidationFailed):
    code = "stock.lot_required"
    title = "Lot or serial number required"


class NoConversion(ValidationFailed):
    code = "uom.no_conversion"
    title = "No conversion to the product's unit"


class TransferDone(Conflict):
    code = "transfer.done"
    title = "The transfer is done"


class TransferCancelled(Conflict):
    code = "transfer.cancelled"
    title = "The transfer is cancelled"


class ValuationInStock(Conflict):
    """The valuation method of a product with units on hand cannot change."""

    code = "product.valuation_in_stock"
    title = "Valuation method locked by stock on hand"
