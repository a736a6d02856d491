"""Purchasing services: the only code that changes purchasing rows.

Every function takes keyword-only arguments, runs in one transaction, locks the order
through `_common.lock` (primary-key order) before calling inventory or accounting, and
raises a DomainError subclass with a stable code on refusal (see ..errors); a refused call
changes nothing.
"""

from ._common import UNSET, lock, lock_one
from .billing import bills_of, purchase_order_bill
from .forecast import reorder_rule_apply_forecast, reorder_rules_follow_forecast
from .orders import (
    billable_quantity,
    billing_status,
    is_stocked,
    order_recompute,
    purchase_order_cancel,
    purchase_order_confirm,
    purchase_order_create,
    purchase_order_delete,
    purchase_order_refresh,
    purchase_order_send,
    purchase_order_update,
    receipt_status,
    transfers_of,
)
from .price_difference import (
    on_bill_changed,
    on_supplier_moves_done,
    price_differences_settle,
)
from .prices import (
    REORDER_RULE_FIELDS,
    SUPPLIER_PRICE_FIELDS,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
    supplier_price_create,
    supplier_price_delete,
    supplier_price_for,
    supplier_price_update,
)
from .receiving import (
    on_invoice_changed,
    on_transfer_done,
    order_for_transfer,
    purchase_order_receive,
)
from .replenishment import (
    Suggestion,
    order_quantity,
    replenishment_run,
    replenishment_run_all,
    replenishment_suggestions,
)

__all__ = [
    "price_differences_settle",
    "REORDER_RULE_FIELDS",
    "SUPPLIER_PRICE_FIELDS",
    "UNSET",
    "Suggestion",
    "billable_quantity",
    "billing_status",
    "bills_of",
    "is_stocked",
    "lock",
    "lock_one",
    "on_bill_changed",
    "on_invoice_changed",
    "on_supplier_moves_done",
    "on_transfer_done",
    "order_for_transfer",
    "order_quantity",
    "order_recompute",
    "purchase_order_bill",
    "purchase_order_cancel",
    "purchase_order_confirm",
    "purchase_order_create",
    "purchase_order_delete",
    "purchase_order_receive",
    "purchase_order_refresh",
    "purchase_order_send",
    "purchase_order_update",
    "receipt_status",
    "reorder_rule_apply_forecast",
    "reorder_rule_create",
    "reorder_rule_delete",
    "reorder_rule_update",
    "reorder_rules_follow_forecast",
    "replenishment_run",
    "replenishment_run_all",
    "replenishment_suggestions",
    "supplier_price_create",
    "supplier_price_delete",
    "supplier_price_for",
    "supplier_price_update",
    "transfers_of",
]
