"""Sales services: the only code that changes sales state."""

from .batch import sales_orders_invoice_period, sales_orders_ship
from .calendar import business_hours_between, calendar_for, calendar_update, deadline
from .documents import order_pdf
from .exceptions import (
    order_exception_resolve,
    order_exception_update,
    payment_overdue_scan,
    sla_breach_scan,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_update,
)
from .intake import IntakeResult, intake_digest, sales_orders_confirm, sales_orders_intake
from .orders import (
    open_receivables,
    order_refresh,
    product_invoice_policy_set,
    sales_order_cancel,
    sales_order_confirm,
    sales_order_create,
    sales_order_delete,
    sales_order_invoice,
    sales_order_send,
    sales_order_update,
    sales_settings,
)
from .returns import (
    sales_return_cancel,
    sales_return_create,
    sales_return_receive,
    sales_return_refund,
)
from .stages import stage_record
from .stock import delivery_failed, delivery_step, sales_order_reserve

__all__ = [
    "IntakeResult",
    "intake_digest",
    "business_hours_between",
    "calendar_for",
    "calendar_update",
    "deadline",
    "delivery_failed",
    "delivery_step",
    "open_receivables",
    "order_exception_resolve",
    "order_exception_update",
    "order_pdf",
    "order_refresh",
    "payment_overdue_scan",
    "product_invoice_policy_set",
    "sales_order_cancel",
    "sales_order_confirm",
    "sales_order_create",
    "sales_order_delete",
    "sales_order_invoice",
    "sales_order_reserve",
    "sales_order_send",
    "sales_order_update",
    "sales_orders_confirm",
    "sales_orders_intake",
    "sales_orders_invoice_period",
    "sales_orders_ship",
    "sales_return_cancel",
    "sales_return_create",
    "sales_return_receive",
    "sales_return_refund",
    "sales_settings",
    "sla_breach_scan",
    "sla_policy_create",
    "sla_policy_delete",
    "sla_policy_update",
    "stage_record",
]
