"""Inventory services: the only code that writes stock rows.

Every function takes keyword-only arguments, runs in one transaction, locks contested rows
through `_common.lock` / `_common.lock_levels` (primary-key order) and raises a DomainError
subclass with a stable code on refusal (see ..errors); a refused call changes nothing.
"""

from ._common import lock, lock_levels, lock_one, product_stocks
from .counts import (
    inventory_count_apply,
    inventory_count_cancel,
    inventory_count_create,
    inventory_count_delete,
    inventory_count_set_lines,
    inventory_count_update,
)
from .transfers import (
    complete_moves,
    transfer_assign,
    transfer_backorder,
    transfer_cancel,
    transfer_confirm,
    transfer_create,
    transfer_delete,
    transfer_done,
    transfer_scan,
    transfer_unreserve,
    transfer_update,
)
from .valuation import (
    post_moves,
    product_stocks_lock,
    received_cost_adjust,
    value_moves,
)
from .warehouses import (
    inventory_settings,
    inventory_settings_update,
    location_create,
    location_update,
    product_stock_update,
    virtual_location,
    virtual_locations,
    warehouse_create,
    warehouse_default,
    warehouse_update,
)

__all__ = [
    "complete_moves",
    "inventory_count_apply",
    "inventory_count_cancel",
    "inventory_count_create",
    "inventory_count_delete",
    "inventory_count_set_lines",
    "inventory_count_update",
    "inventory_settings",
    "inventory_settings_update",
    "location_create",
    "location_update",
    "lock",
    "lock_levels",
    "lock_one",
    "post_moves",
    "product_stock_update",
    "product_stocks",
    "product_stocks_lock",
    "received_cost_adjust",
    "transfer_assign",
    "transfer_backorder",
    "transfer_cancel",
    "transfer_confirm",
    "transfer_create",
    "transfer_delete",
    "transfer_done",
    "transfer_scan",
    "transfer_unreserve",
    "transfer_update",
    "value_moves",
    "virtual_location",
    "virtual_locations",
    "warehouse_create",
    "warehouse_default",
    "warehouse_update",
]
