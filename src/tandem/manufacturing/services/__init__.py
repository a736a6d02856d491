"""Manufacturing services: the only code that writes the app's rows.

Keyword-only functions, one transaction each, refusals as DomainError subclasses with a
stable code (see ..errors); a refused call changes nothing.
"""

from .boms import (
    bom_components,
    bom_cost,
    bom_create,
    bom_delete,
    bom_explode,
    bom_for,
    bom_update,
    bom_where_used,
    operations_cost,
)
from .costing import wip_balance
from .forecasts import forecast_create, forecast_delete, forecast_update
from .genealogy import lot_components, lot_where_used
from .mrp import mrp_inputs, mrp_run, planned_order_firm
from .orders import (
    mo_assign,
    mo_cancel,
    mo_confirm,
    mo_create,
    mo_done,
    mo_from_sales_line,
    mo_log_work,
    mo_produce,
    mo_scrap,
    open_moves,
    order_moves,
)
from .quality import (
    held_lots,
    quality_alert_close,
    quality_alert_create,
    quality_check_record,
    quality_check_release,
    quality_point_create,
    quality_point_update,
)
from .shop_floor import work_finish, work_start
from .work_centers import work_center_create, work_center_update

__all__ = [
    "held_lots",
    "lot_components",
    "lot_where_used",
    "quality_alert_close",
    "quality_alert_create",
    "quality_check_record",
    "quality_check_release",
    "quality_point_create",
    "quality_point_update",
    "forecast_create",
    "forecast_delete",
    "forecast_update",
    "bom_components",
    "bom_cost",
    "bom_create",
    "bom_delete",
    "bom_explode",
    "bom_for",
    "bom_update",
    "bom_where_used",
    "mo_assign",
    "mrp_inputs",
    "mrp_run",
    "planned_order_firm",
    "mo_cancel",
    "mo_confirm",
    "mo_create",
    "mo_from_sales_line",
    "mo_done",
    "mo_log_work",
    "mo_produce",
    "mo_scrap",
    "open_moves",
    "operations_cost",
    "order_moves",
    "wip_balance",
    "work_finish",
    "work_start",
    "work_center_create",
    "work_center_update",
]
