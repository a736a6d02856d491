"""The manufacturing app's REST endpoints (see API.md), mounted at /api/v1 by tandem.api.root.

Thin: parse, look the referenced rows up in the caller's company, call a service, answer.
"""

from typing import Literal

from django.apps import apps
from ninja import Query, Router, Status

from tandem.api.context import (
    company_of,
    get_ref,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.api.jobs import JobOut
from tandem.catalog.models import Product, Uom
from tandem.core.errors import Conflict, Forbidden, InvalidReference
from tandem.core.jobs import job_start
from tandem.core.models import BusinessCalendar, Job, JobState
from tandem.inventory.models import Lot, Warehouse
from tandem.inventory.schemas import MAX_ID, NO_NUL, AssignIn

from .. import queries, services
from ..jobs import MRP_RUN
from ..models import (
    Bom,
    BomOperation,
    DemandForecast,
    ManufacturingOrder,
    MrpMessage,
    PlannedOrder,
    WorkCenter,
)
from .schemas import (
    BomCostOut,
    BomIn,
    BomOut,
    BomPatch,
    DemandForecastIn,
    DemandForecastOut,
    DemandForecastPatch,
    ExplosionOut,
    MoFromSalesLineIn,
    MoIn,
    MoOut,
    MrpMessageOut,
    MrpRunIn,
    PlannedOrderOut,
    ProduceIn,
    ScrapIn,
    WorkCenterIn,
    WorkCenterOut,
    WorkCenterPatch,
    WorkLogIn,
)

router = Router(tags=["manufacturing"])

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)


# -- work centres --------------------------------------------------------------------------


@router.get("/work-centers", response=page_of(WorkCenterOut))
def work_center_list(request, limit: int = LIMIT, offset: int = OFFSET, active: bool | None = None):
    require_perm(request, "manufacturing.view_workcenter")
    qs = WorkCenter.objects.filter(company=company_of(request))
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("code", "id"), limit=limit, offset=offset)


@router.get("/work-centers/{center_id}", response=WorkCenterOut)
def work_center_read(request, center_id: int):
    require_perm(request, "manufacturing.view_workcenter")
    return get_scoped(WorkCenter, request, center_id, label="work_center")


@router.post("/work-centers", response={201: WorkCenterOut})
def work_center_add(request, payload: WorkCenterIn):
    require_perm(request, "manufacturing.add_workcenter")
    data = payload.dict()
    data["calendar"] = get_ref(BusinessCalendar, request, data["calendar"], field="calendar")
    return Status(201, services.work_center_create(company=company_of(request), **data))


@router.patch("/work-centers/{center_id}", response=WorkCenterOut)
def work_center_update(request, center_id: int, payload: WorkCenterPatch):
    require_perm(request, "manufacturing.change_workcenter")
    row = get_scoped(WorkCenter, request, center_id, label="work_center")
    sent = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in sent.items() if v is not None}
    if "calendar" in sent:
        changes["calendar"] = get_ref(BusinessCalendar, request, sent["calendar"], field="calendar")
    return services.work_center_update(work_center=row, **changes)


# -- BOMs ----------------------------------------------------------------------------------


def _bom_out(bom: Bom) -> dict:
    return {
        "id": bom.pk,
        "company": bom.company_id,
        "product": bom.product_id,
        "quantity": bom.quantity,
        "uom": bom.uom_id,
        "version": bom.version,
        "valid_from": bom.valid_from,
        "valid_to": bom.valid_to,
        "active": bom.active,
        "type": bom.type,
        "scrap_percent": bom.scrap_percent,
        "notes": bom.notes,
        "lines": [
            {
                "product": line.product_id,
                "quantity": line.quantity,
                "uom": line.uom_id,
                "kind": line.kind,
                "sequence": line.sequence,
            }
            for line in bom.lines.all()
        ],
        "byproducts": [
            {
                "product": row.product_id,
                "quantity": row.quantity,
                "uom": row.uom_id,
                "cost_share": row.cost_share,
            }
            for row in bom.byproducts.all()
        ],
        "operations": [
            {
                "work_center": op.work_center_id,
                "minutes": op.minutes,
                "sequence": op.sequence,
                "name": op.name,
            }
            for op in bom.operations.all()
        ],
        "created_at": bom.created_at,
        "updated_at": bom.updated_at,
    }


def _bom(request, bom_id: int) -> Bom:
    qs = Bom.objects.prefetch_related("lines", "byproducts", "operations")
    return get_scoped(qs, request, bom_id, label="bom")


def _rows(request, rows, refs: dict[str, type], *, name: str) -> list[dict] | None:
    """Payload rows with their ids replaced by the caller's company's rows."""
    if rows is None:
        return None
    result = []
    for index, row in enumerate(rows):
        data = row if isinstance(row, dict) else row.dict()
        for field, model in refs.items():
            if data.get(field) is not None:
                data[field] = get_ref(model, request, data[field], field=f"{name}.{index}.{field}")
        result.append(data)
    return result


def _bom_children(request, data: dict) -> dict:
    for name, refs in (
        ("lines", {"product": Product, "uom": Uom}),
        ("byproducts", {"product": Product, "uom": Uom}),
        ("operations", {"work_center": WorkCenter}),
    ):
        if name in data:
            rows = _rows(request, data[name], refs, name=name)
            for row in rows or ():
                row.setdefault("sequence", None)
            data[name] = rows
    if data.get("uom") is not None:
        data["uom"] = get_ref(Uom, request, data["uom"], field="uom")
    return data


@router.get("/boms", response=page_of(BomOut))
def bom_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    product: int | None = ID,
    active: bool | None = None,
):
    require_perm(request, "manufacturing.view_bom")
    qs = Bom.objects.filter(company=company_of(request)).prefetch_related(
        "lines", "byproducts", "operations"
    )
    if product is not None:
        qs = qs.filter(product_id=product)
    if active is not None:
        qs = qs.filter(active=active)
    page = paginate(qs.order_by("product_id", "-version", "id"), limit=limit, offset=offset)
    page["items"] = [_bom_out(bom) for bom in page["items"]]
    return page


@router.get("/boms/{bom_id}", response=BomOut)
def bom_read(request, bom_id: int):
    require_perm(request, "manufacturing.view_bom")
    return _bom_out(_bom(request, bom_id))


@router.post("/boms", response={201: BomOut})
def bom_add(request, payload: BomIn):
    require_perm(request, "manufacturing.add_bom")
    data = _bom_children(request, payload.dict())
    data["product"] = get_ref(Product, request, data["product"], field="product")
    bom = services.bom_create(company=company_of(request), **data)
    return Status(201, _bom_out(_bom(request, bom.pk)))


@router.patch("/boms/{bom_id}", response=BomOut)
def bom_update(request, bom_id: int, payload: BomPatch):
    require_perm(request, "manufacturing.change_bom")
    bom = _bom(request, bom_id)
    changes = payload.dict(exclude_unset=True)
    keep_null = ("valid_from", "valid_to")
    changes = {k: v for k, v in changes.items() if v is not None or k in keep_null}
    services.bom_update(bom=bom, **_bom_children(request, changes))
    return _bom_out(_bom(request, bom_id))


@router.delete("/boms/{bom_id}", response={204: None})
def bom_delete(request, bom_id: int):
    require_perm(request, "manufacturing.delete_bom")
    services.bom_delete(bom=_bom(request, bom_id))
    return Status(204, None)


def _exploded(rows) -> list[dict]:
    return [
        {
            "level": row.level,
            "product": row.product.pk,
            "sku": row.product.sku,
            "quantity": row.quantity,
            "uom": row.product.uom_id,
            "kind": row.kind,
            "bom": row.bom.pk if row.bom else None,
            "consumed": row.consumed,
            "unit_cost": row.unit_cost,
            "cost": row.cost,
        }
        for row in rows
    ]


QUANTITY = Query(None, max_length=40, pattern=r"^-?\d{1,18}(\.\d{1,12})?$")


@router.get("/boms/{bom_id}/explode", response=ExplosionOut)
def bom_explode(request, bom_id: int, quantity: str | None = QUANTITY):
    """Every level of `quantity` (the BOM's unit; default its own quantity), kits exploded,
    units converted, scrap added, each row with its current cost."""
    require_perm(request, "manufacturing.view_bom")
    bom = _bom(request, bom_id)
    rows = services.bom_explode(bom=bom, quantity=quantity)
    return {"bom": bom.pk, "quantity": quantity or bom.quantity, "rows": _exploded(rows)}


@router.get("/boms/{bom_id}/cost", response=BomCostOut)
def bom_cost(request, bom_id: int, quantity: str | None = QUANTITY):
    require_perm(request, "manufacturing.view_bom")
    bom = _bom(request, bom_id)
    cost = services.bom_cost(bom=bom, quantity=quantity)
    return {
        **cost,
        "bom": bom.pk,
        "rows": _exploded(cost["rows"]),
        "operations": [
            {**op, "operation": op["operation"].pk, "work_center": op["work_center"].pk}
            for op in cost["operations"]
        ],
    }


# -- manufacturing orders ------------------------------------------------------------------


def _mo_out(mo: ManufacturingOrder, **extra) -> dict:
    lots = queries.consumed_lots(mo)
    return {
        "id": mo.pk,
        "company": mo.company_id,
        "number": mo.number,
        "product": mo.product_id,
        "quantity": mo.quantity,
        "uom": mo.uom_id,
        "quantity_produced": mo.quantity_produced,
        "bom": mo.bom_id,
        "warehouse": mo.warehouse_id,
        "state": mo.state,
        "planned_start": mo.planned_start,
        "planned_end": mo.planned_end,
        "sales_order": mo.sales_order_id,
        "backorder_of": mo.backorder_of_id,
        "date_done": mo.date_done,
        "notes": mo.notes,
        "components": [
            {
                "product": c.product_id,
                "quantity": c.quantity,
                "quantity_consumed": c.quantity_consumed,
                "value_consumed": c.value_consumed,
                "lot": lots[c.product_id][0] if len(lots[c.product_id]) == 1 else None,
                "lots": lots[c.product_id],
            }
            for c in mo.components.all()
        ],
        "outputs": [
            {
                "product": o.product_id,
                "is_byproduct": o.is_byproduct,
                "quantity": o.quantity,
                "quantity_produced": o.quantity_produced,
                "cost_share": o.cost_share,
                "value": o.value,
                "unit_cost": o.unit_cost,
            }
            for o in mo.outputs.all()
        ],
        "work_logs": [
            {
                "id": log.pk,
                "operation": log.operation_id,
                "work_center": log.work_center_id,
                "minutes": log.minutes,
                "labour_cost": log.labour_cost,
                "overhead_cost": log.overhead_cost,
                "date": log.date,
                "note": log.note,
                "entry": log.entry_id,
            }
            for log in mo.work_logs.all()
        ],
        "cost": queries.mo_cost(mo),
        "entries": list(mo.entries.values_list("entry_id", flat=True)),
        "created_at": mo.created_at,
        "updated_at": mo.updated_at,
        **extra,
    }


def _mo(request, mo_id: int) -> ManufacturingOrder:
    return get_scoped(ManufacturingOrder, request, mo_id, label="manufacturing_order")


def _answer(request, mo_id: int, **extra) -> dict:
    return _mo_out(_mo(request, mo_id), **extra)


@router.get("/manufacturing-orders", response=page_of(MoOut))
def mo_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    state: str = Query("", pattern=r"^(|draft|confirmed|in_progress|done|cancelled)$"),
    product: int | None = ID,
):
    require_perm(request, "manufacturing.view_manufacturingorder")
    qs = ManufacturingOrder.objects.filter(company=company_of(request))
    if search.strip():
        qs = qs.filter(number__icontains=search.strip())
    if state:
        qs = qs.filter(state=state)
    if product is not None:
        qs = qs.filter(product_id=product)
    page = paginate(qs.order_by("-planned_start", "-id"), limit=limit, offset=offset)
    page["items"] = [_mo_out(mo) for mo in page["items"]]
    return page


@router.post("/manufacturing-orders/from-sales-line", response={201: MoOut})
def mo_add_from_sales_line(request, payload: MoFromSalesLineIn):
    """(Declared before /manufacturing-orders/{mo_id}, which would take the path.)
    Make to order: a draft order for what a confirmed sales order line still needs, by
    its commitment date. 409 `manufacturing_order.sales_line_state` (order not confirmed),
    409 `manufacturing_order.sales_line_covered` (made or delivered already), 422
    `bom.missing`."""
    require_perm(request, "manufacturing.add_manufacturingorder")
    line_model = apps.get_model("sales", "SalesOrderLine")
    line = line_model.objects.filter(
        order__company=company_of(request), pk=payload.sales_order_line
    ).first()
    if line is None:
        raise InvalidReference(
            f"sales_order_line: no such record with id {payload.sales_order_line}",
            field="sales_order_line",
        )
    mo = services.mo_from_sales_line(
        line=line, bom=get_ref(Bom, request, payload.bom, field="bom"), user=request.user
    )
    return Status(201, _answer(request, mo.pk))


@router.get("/manufacturing-orders/{mo_id}", response=MoOut)
def mo_read(request, mo_id: int):
    require_perm(request, "manufacturing.view_manufacturingorder")
    return _answer(request, mo_id)


@router.post("/manufacturing-orders", response={201: MoOut})
def mo_add(request, payload: MoIn):
    """A draft order; its components and outputs come from the BOM."""
    require_perm(request, "manufacturing.add_manufacturingorder")
    data = payload.dict()
    mo = services.mo_create(
        company=company_of(request),
        bom=get_ref(Bom, request, data["bom"], field="bom"),
        quantity=data["quantity"],
        uom=get_ref(Uom, request, data["uom"], field="uom"),
        warehouse=get_ref(Warehouse, request, data["warehouse"], field="warehouse"),
        planned_start=data["planned_start"],
        planned_end=data["planned_end"],
        # made to order: a sibling app's row, looked up without importing the app
        sales_order=get_ref(
            apps.get_model("sales", "SalesOrder"), request, data["sales_order"], field="sales_order"
        ),
        notes=data["notes"],
    )
    return Status(201, _answer(request, mo.pk))


@router.post("/manufacturing-orders/{mo_id}/confirm", response=MoOut)
def mo_confirm(request, mo_id: int):
    require_perm(request, "manufacturing.change_manufacturingorder")
    services.mo_confirm(mo=_mo(request, mo_id))
    return _answer(request, mo_id)


@router.post("/manufacturing-orders/{mo_id}/assign", response=MoOut)
def mo_assign(request, mo_id: int, payload: AssignIn | None = None):
    """Reserve the components; `{"strict": true}` refuses a shortfall as a whole."""
    require_perm(request, "manufacturing.change_manufacturingorder")
    result = services.mo_assign(mo=_mo(request, mo_id), strict=bool(payload and payload.strict))
    return _answer(request, mo_id, shortfalls=result.shortfalls)


def _can(request, perm: str) -> bool:
    try:
        require_perm(request, perm)
    except Forbidden:
        return False
    return True


@router.post("/manufacturing-orders/{mo_id}/produce", response=MoOut)
def mo_produce(request, mo_id: int, payload: ProduceIn):
    """Produce `quantity`; `consumed` records what was really used (default: the planned
    share); with `backorder` the rest goes to a new order and this one is done."""
    require_perm(request, "manufacturing.change_manufacturingorder")
    data = payload.dict()
    consumed = _rows(request, data["consumed"], {"product": Product, "lot": Lot}, name="consumed")
    result = services.mo_produce(
        mo=_mo(request, mo_id),
        quantity=data["quantity"],
        consumed=consumed,
        lot_name=data["lot_name"],
        backorder=data["backorder"],
        allow_overproduction=_can(request, "manufacturing.overproduce"),
        user=request.user,
    )
    backorder = getattr(result, "backorder", None)
    return _answer(request, mo_id, backorder=backorder.pk if backorder else None)


@router.post("/manufacturing-orders/{mo_id}/scrap", response=MoOut)
def mo_scrap(request, mo_id: int, payload: ScrapIn):
    require_perm(request, "manufacturing.change_manufacturingorder")
    data = payload.dict()
    services.mo_scrap(
        mo=_mo(request, mo_id),
        product=get_ref(Product, request, data["product"], field="product"),
        quantity=data["quantity"],
        reason=data["reason"],
        lot=get_ref(Lot, request, data["lot"], field="lot"),
        user=request.user,
    )
    return _answer(request, mo_id)


@router.post("/manufacturing-orders/{mo_id}/work-logs", response=MoOut)
def mo_log_work(request, mo_id: int, payload: WorkLogIn):
    """Time spent on an operation, absorbed into the order's WIP at the work centre's rates."""
    require_perm(request, "manufacturing.change_manufacturingorder")
    data = payload.dict()
    services.mo_log_work(
        mo=_mo(request, mo_id),
        minutes=data["minutes"],
        operation=get_ref(BomOperation, request, data["operation"], field="operation"),
        work_center=get_ref(WorkCenter, request, data["work_center"], field="work_center"),
        date=data["date"],
        note=data["note"],
        user=request.user,
    )
    return _answer(request, mo_id)


@router.post("/manufacturing-orders/{mo_id}/done", response=MoOut)
def mo_done(request, mo_id: int):
    require_perm(request, "manufacturing.change_manufacturingorder")
    services.mo_done(mo=_mo(request, mo_id), user=request.user)
    return _answer(request, mo_id)


@router.post("/manufacturing-orders/{mo_id}/cancel", response=MoOut)
def mo_cancel(request, mo_id: int):
    require_perm(request, "manufacturing.change_manufacturingorder")
    services.mo_cancel(mo=_mo(request, mo_id))
    return _answer(request, mo_id)


# -- MRP -----------------------------------------------------------------------------------


@router.post("/mrp/run", response={202: JobOut})
def mrp_run(request, payload: MrpRunIn | None = None):
    """Plan again as a job (202 with it; poll `GET /jobs/{id}`): the planned orders of the
    last run are replaced (`mode` `regenerative`, or `net_change`: only the items whose demand
    or supply changed since the last run, and their components), in `day` or `week`
    buckets. `analytics_forecast`: the analytics demand forecast (per product and week) is
    demand too, for what it expects beyond the confirmed orders due that week (pegged as
    `forecast`). While a run is queued or running for the company, 409 `mrp.running`."""
    require_perm(request, "manufacturing.add_plannedorder")
    company = company_of(request)
    if Job.objects.filter(
        company=company, kind=MRP_RUN, state__in=(JobState.QUEUED, JobState.RUNNING)
    ).exists():
        raise Conflict("An MRP run is under way for this company", code="mrp.running")
    params = (payload or MrpRunIn()).dict()
    return Status(202, job_start(MRP_RUN, company=company, user=request.user, params=params))


@router.get("/mrp/planned-orders", response=page_of(PlannedOrderOut))
def planned_order_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    kind: Literal["purchase", "manufacture"] | None = None,
    state: Literal["planned", "firmed"] | None = None,
    product: int | None = ID,
):
    require_perm(request, "manufacturing.view_plannedorder")
    qs = PlannedOrder.objects.filter(company=company_of(request)).prefetch_related("pegging")
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if product:
        qs = qs.filter(product_id=product)
    return paginate(qs.order_by("release_date", "id"), limit=limit, offset=offset)


@router.get("/mrp/planned-orders/{planned_id}", response=PlannedOrderOut)
def planned_order_read(request, planned_id: int):
    require_perm(request, "manufacturing.view_plannedorder")
    return get_scoped(PlannedOrder, request, planned_id, label="planned_order")


@router.post("/mrp/planned-orders/{planned_id}/firm", response=PlannedOrderOut)
def planned_order_firm(request, planned_id: int):
    """Make the draft purchase order (preferred supplier, its price) or manufacturing order;
    firming twice answers 409 `mrp.already_firmed`."""
    require_perm(request, "manufacturing.change_plannedorder")
    planned = get_scoped(PlannedOrder, request, planned_id, label="planned_order")
    firmed = services.planned_order_firm(planned=planned, user=request.user)
    return PlannedOrder.objects.prefetch_related("pegging").get(pk=firmed.pk)


@router.get("/mrp/messages", response=page_of(MrpMessageOut))
def mrp_message_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    kind: Literal["reschedule_in", "reschedule_out", "cancel"] | None = None,
    product: int | None = ID,
):
    """The last run's advice on open purchase order lines and manufacturing orders."""
    require_perm(request, "manufacturing.view_plannedorder")
    qs = MrpMessage.objects.filter(company=company_of(request))
    if kind:
        qs = qs.filter(kind=kind)
    if product:
        qs = qs.filter(product_id=product)
    return paginate(qs.order_by("kind", "current_date", "id"), limit=limit, offset=offset)


# -- the manual demand forecast (MRP demand) -----------------------------------------------


@router.get("/mrp/forecasts", response=page_of(DemandForecastOut))
def forecast_list(request, limit: int = LIMIT, offset: int = OFFSET, product: int | None = ID):
    require_perm(request, "manufacturing.view_plannedorder")
    qs = DemandForecast.objects.filter(company=company_of(request))
    if product:
        qs = qs.filter(product_id=product)
    return paginate(qs.order_by("date_from", "product_id", "id"), limit=limit, offset=offset)


@router.get("/mrp/forecasts/{forecast_id}", response=DemandForecastOut)
def forecast_read(request, forecast_id: int):
    require_perm(request, "manufacturing.view_plannedorder")
    return get_scoped(DemandForecast, request, forecast_id, label="forecast")


@router.post("/mrp/forecasts", response={201: DemandForecastOut})
def forecast_add(request, payload: DemandForecastIn):
    require_perm(request, "manufacturing.add_plannedorder")
    data = payload.dict()
    data["product"] = get_ref(Product, request, data["product"], field="product")
    return Status(201, services.forecast_create(company=company_of(request), **data))


@router.patch("/mrp/forecasts/{forecast_id}", response=DemandForecastOut)
def forecast_patch(request, forecast_id: int, payload: DemandForecastPatch):
    require_perm(request, "manufacturing.change_plannedorder")
    forecast = get_scoped(DemandForecast, request, forecast_id, label="forecast")
    return services.forecast_update(forecast=forecast, **payload.dict(exclude_unset=True))


@router.delete("/mrp/forecasts/{forecast_id}", response={204: None})
def forecast_remove(request, forecast_id: int):
    require_perm(request, "manufacturing.delete_plannedorder")
    services.forecast_delete(
        forecast=get_scoped(DemandForecast, request, forecast_id, label="forecast")
    )
    return Status(204, None)


# quality and genealogy live in their own module, on this router
from . import quality  # noqa: E402, F401
