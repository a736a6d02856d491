"""/purchase-orders, /supplier-prices, /reorder-rules, /replenishment (thin: see services)."""

from django.db.models import Q
from ninja import Query, Router, Status

from tandem.accounting.models import Tax
from tandem.api.context import (
    company_of,
    get_ref,
    get_refs,
    get_scoped,
    page_of,
    paginate,
    require_perm,
)
from tandem.api.jobs import JobOut
from tandem.catalog.models import Product, Uom
from tandem.core.jobs import job_start
from tandem.inventory.models import Location, Warehouse
from tandem.parties.models import Party

from . import queries, services
from .forecast_points import with_forecast_points
from .jobs import REPLENISHMENT
from .models import PurchaseOrder, ReorderRule, SupplierPrice
from .schemas import (
    MAX_ID,
    NO_NUL,
    BillIn,
    PurchaseOrderIn,
    PurchaseOrderOut,
    PurchaseOrderPatch,
    PurchaseSendIn,
    ReceiveIn,
    ReorderRuleIn,
    ReorderRuleOut,
    ReorderRulePatch,
    ReplenishmentIn,
    SuggestionOut,
    SupplierPriceIn,
    SupplierPriceOut,
    SupplierPricePatch,
)

router = Router(tags=["purchasing"])

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)


# -- supplier prices -----------------------------------------------------------------------


def _price_refs(request, data: dict) -> dict:
    if data.get("supplier") is not None:
        data["supplier"] = get_ref(Party, request, data["supplier"], field="supplier")
    if data.get("product") is not None:
        data["product"] = get_ref(Product, request, data["product"], field="product")
    return data


@router.get("/supplier-prices", response=page_of(SupplierPriceOut))
def supplier_price_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    product: int | None = ID,
    supplier: int | None = ID,
):
    require_perm(request, "purchasing.view_supplierprice")
    qs = SupplierPrice.objects.filter(company=company_of(request))
    if product is not None:
        qs = qs.filter(product_id=product)
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    return paginate(
        qs.order_by("product_id", "sequence", "price", "id"), limit=limit, offset=offset
    )


@router.get("/supplier-prices/{price_id}", response=SupplierPriceOut)
def supplier_price_read(request, price_id: int):
    require_perm(request, "purchasing.view_supplierprice")
    return get_scoped(SupplierPrice, request, price_id, label="supplier_price")


@router.post("/supplier-prices", response={201: SupplierPriceOut})
def supplier_price_add(request, payload: SupplierPriceIn):
    require_perm(request, "purchasing.add_supplierprice")
    data = _price_refs(request, payload.dict())
    return Status(201, services.supplier_price_create(company=company_of(request), **data))


@router.patch("/supplier-prices/{price_id}", response=SupplierPriceOut)
def supplier_price_update(request, price_id: int, payload: SupplierPricePatch):
    require_perm(request, "purchasing.change_supplierprice")
    row = get_scoped(SupplierPrice, request, price_id, label="supplier_price")
    changes = payload.dict(exclude_unset=True)
    keep_null = ("valid_from", "valid_to")
    changes = {k: v for k, v in changes.items() if v is not None or k in keep_null}
    return services.supplier_price_update(supplier_price=row, **_price_refs(request, changes))


@router.delete("/supplier-prices/{price_id}", response={204: None})
def supplier_price_delete(request, price_id: int):
    require_perm(request, "purchasing.delete_supplierprice")
    row = get_scoped(SupplierPrice, request, price_id, label="supplier_price")
    services.supplier_price_delete(supplier_price=row)
    return Status(204, None)


# -- reorder rules -------------------------------------------------------------------------


def _rule_refs(request, data: dict) -> dict:
    if data.get("product") is not None:
        data["product"] = get_ref(Product, request, data["product"], field="product")
    if data.get("warehouse") is not None:
        data["warehouse"] = get_ref(Warehouse, request, data["warehouse"], field="warehouse")
    if "supplier" in data:
        data["supplier"] = get_ref(Party, request, data["supplier"], field="supplier")
    return data


@router.get("/reorder-rules", response=page_of(ReorderRuleOut))
def reorder_rule_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query(
        "", max_length=100, pattern=NO_NUL, description="product sku or name, warehouse code"
    ),
    product: int | None = ID,
    warehouse: int | None = ID,
    active: bool | None = None,
):
    require_perm(request, "purchasing.view_reorderrule")
    qs = ReorderRule.objects.filter(company=company_of(request))
    search = search.strip()
    if search:
        qs = qs.filter(
            Q(product__sku__icontains=search)
            | Q(product__name__icontains=search)
            | Q(warehouse__code__icontains=search)
        )
    if product is not None:
        qs = qs.filter(product_id=product)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    if active is not None:
        qs = qs.filter(active=active)
    page = paginate(qs.order_by("warehouse_id", "product_id", "id"), limit=limit, offset=offset)
    with_forecast_points(company_of(request), page["items"])
    return page


def _with_forecast(request, rule: ReorderRule) -> ReorderRule:
    return with_forecast_points(company_of(request), [rule])[0]


@router.get("/reorder-rules/{rule_id}", response=ReorderRuleOut)
def reorder_rule_read(request, rule_id: int):
    require_perm(request, "purchasing.view_reorderrule")
    return _with_forecast(request, get_scoped(ReorderRule, request, rule_id, label="reorder_rule"))


@router.post("/reorder-rules/{rule_id}/apply-forecast", response=ReorderRuleOut)
def reorder_rule_apply_forecast(request, rule_id: int):
    """Set the rule's minimum to the demand forecast's reorder point (the maximum keeps its
    gap above it); 409 `reorder_rule.no_forecast` when the product has no forecast."""
    require_perm(request, "purchasing.change_reorderrule")
    rule = get_scoped(ReorderRule, request, rule_id, label="reorder_rule")
    return _with_forecast(
        request, services.reorder_rule_apply_forecast(rule=rule, user=request.user)
    )


@router.post("/reorder-rules", response={201: ReorderRuleOut})
def reorder_rule_add(request, payload: ReorderRuleIn):
    require_perm(request, "purchasing.add_reorderrule")
    data = _rule_refs(request, payload.dict())
    rule = services.reorder_rule_create(company=company_of(request), **data)
    return Status(201, _with_forecast(request, rule))


@router.patch("/reorder-rules/{rule_id}", response=ReorderRuleOut)
def reorder_rule_update(request, rule_id: int, payload: ReorderRulePatch):
    require_perm(request, "purchasing.change_reorderrule")
    rule = get_scoped(ReorderRule, request, rule_id, label="reorder_rule")
    changes = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "supplier"}
    rule = services.reorder_rule_update(rule=rule, **_rule_refs(request, changes))
    return _with_forecast(request, rule)


@router.delete("/reorder-rules/{rule_id}", response={204: None})
def reorder_rule_delete(request, rule_id: int):
    require_perm(request, "purchasing.delete_reorderrule")
    rule = get_scoped(ReorderRule, request, rule_id, label="reorder_rule")
    services.reorder_rule_delete(rule=rule)
    return Status(204, None)


def suggestion_row(s) -> dict:
    return {
        "rule": s.rule.pk,
        "product": s.rule.product_id,
        "warehouse": s.rule.warehouse_id,
        "available": s.available,
        "incoming": s.incoming,
        "outgoing": s.outgoing,
        "forecast": s.forecast,
        "min_quantity": s.rule.min_quantity,
        "max_quantity": s.rule.max_quantity,
        "multiple": s.rule.multiple,
        "quantity": s.quantity,
        "status": s.status,
        "supplier": s.supplier_price.supplier_id if s.supplier_price else None,
        "order": s.order.pk if s.order else None,
        "line": s.line.pk if s.line else None,
        "reason": s.reason,
    }


@router.get("/replenishment/suggestions", response=list[SuggestionOut])
def replenishment_suggestions(request, warehouse: int | None = ID):
    """Every active rule's forecast and what a run would order, with the reason."""
    require_perm(request, "purchasing.view_reorderrule")
    wh = get_ref(Warehouse, request, warehouse, field="warehouse")
    return [
        suggestion_row(s)
        for s in services.replenishment_suggestions(company=company_of(request), warehouse=wh)
    ]


@router.post("/replenishment/run", response={200: dict, 202: JobOut})
def replenishment_run(
    request,
    payload: ReplenishmentIn | None = None,
    run_async: bool = Query(False, alias="async"),
):
    """Create or update the draft POs the reorder rules call for; returns those drafts
    (`items`, `count`) and every rule's `suggestions` with its reason. With `?async=true` the
    run is a job: 202 with the job (poll `GET /jobs/{id}`; its `result.orders` lists the
    drafts)."""
    require_perm(request, "purchasing.add_purchaseorder")
    company = company_of(request)
    warehouse = get_ref(
        Warehouse, request, payload.warehouse if payload else None, field="warehouse"
    )
    if run_async:
        job = job_start(
            REPLENISHMENT,
            company=company,
            user=request.user,
            params={"warehouse": warehouse.pk if warehouse else None},
        )
        return Status(202, job)
    orders, suggestions = services.replenishment_run(
        company=company, warehouse=warehouse, user=request.user
    )
    qs = queries.orders_prefetched(
        PurchaseOrder.objects.filter(pk__in=[o.pk for o in orders]).order_by("pk")
    )
    items = [
        PurchaseOrderOut.from_orm(order).model_dump(mode="json") for order in queries.decorate(qs)
    ]
    return {
        "items": items,
        "count": len(items),
        "suggestions": [
            SuggestionOut(**suggestion_row(s)).model_dump(mode="json") for s in suggestions
        ],
    }


# -- purchase orders -----------------------------------------------------------------------


def _lines(request, lines) -> list[dict]:
    if lines is None:
        return None
    company = company_of(request)
    product_ids = {line["product"] for line in lines}
    products = {p.pk: p for p in Product.objects.filter(company=company, pk__in=product_ids)}
    result = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        product = products.get(line["product"])
        if product is None:
            get_ref(Product, request, line["product"], field=f"{where}.product")
        data = {k: v for k, v in line.items() if v is not None or k == "taxes"}
        data["product"] = product
        if line.get("uom") is not None:
            data["uom"] = get_ref(Uom, request, line["uom"], field=f"{where}.uom")
        if line.get("taxes") is not None:
            data["taxes"] = get_refs(Tax, request, line["taxes"], field=f"{where}.taxes")
        else:
            data.pop("taxes", None)
        result.append(data)
    return result


def _order_refs(request, data: dict) -> dict:
    if data.get("supplier") is not None:
        data["supplier"] = get_ref(Party, request, data["supplier"], field="supplier")
    if data.get("warehouse") is not None:
        data["warehouse"] = get_ref(Warehouse, request, data["warehouse"], field="warehouse")
    if "location_dest" in data:
        data["location_dest"] = get_ref(
            Location, request, data["location_dest"], field="location_dest"
        )
    if "lines" in data:
        data["lines"] = _lines(request, data["lines"])
    return data


def _read(request, pk: int):
    qs = queries.orders_prefetched(PurchaseOrder.objects.all())
    order = get_scoped(qs, request, pk, label="purchase_order")
    return queries.decorate([order], warnings=True)[0]


@router.get("/purchase-orders", response=page_of(PurchaseOrderOut))
def purchase_order_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    state: str = Query("", pattern=r"^(|draft|sent|confirmed|done|cancelled)$"),
    supplier: int | None = ID,
    warehouse: int | None = ID,
):
    require_perm(request, "purchasing.view_purchaseorder")
    qs = queries.orders(company_of(request), search=search, state=state)
    if supplier is not None:
        qs = qs.filter(supplier_id=supplier)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    page = paginate(queries.orders_prefetched(qs), limit=limit, offset=offset)
    page["items"] = queries.decorate(page["items"])
    return page


@router.get("/purchase-orders/{order_id}", response=PurchaseOrderOut)
def purchase_order_read(request, order_id: int):
    require_perm(request, "purchasing.view_purchaseorder")
    return _read(request, order_id)


@router.get("/purchase-orders/{order_id}/pdf")
def purchase_order_pdf(request, order_id: int):
    """The RFQ / purchase order as PDF, in the supplier's language."""
    require_perm(request, "purchasing.view_purchaseorder")
    from django.http import HttpResponse

    from .pdf import purchase_order_pdf as render

    content, filename = render(get_scoped(PurchaseOrder, request, order_id, label="purchase_order"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.post("/purchase-orders", response={201: PurchaseOrderOut})
def purchase_order_add(request, payload: PurchaseOrderIn):
    require_perm(request, "purchasing.add_purchaseorder")
    data = _order_refs(request, payload.dict())
    order = services.purchase_order_create(company=company_of(request), user=request.user, **data)
    return Status(201, _read(request, order.pk))


@router.patch("/purchase-orders/{order_id}", response=PurchaseOrderOut)
def purchase_order_update(request, order_id: int, payload: PurchaseOrderPatch):
    """Requests for quotation only (draft or sent); `lines`, when given, replace all."""
    require_perm(request, "purchasing.change_purchaseorder")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    changes = payload.dict(exclude_unset=True)
    nullable = ("expected_date", "location_dest")
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    services.purchase_order_update(order=order, **_order_refs(request, changes))
    return _read(request, order.pk)


@router.delete("/purchase-orders/{order_id}", response={204: None})
def purchase_order_delete(request, order_id: int):
    require_perm(request, "purchasing.delete_purchaseorder")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    services.purchase_order_delete(order=order)
    return Status(204, None)


@router.post("/purchase-orders/{order_id}/send", response=PurchaseOrderOut)
def purchase_order_send(request, order_id: int, payload: PurchaseSendIn | None = None):
    """Mark the RFQ sent (it gets its number); `email` mails it to the supplier."""
    require_perm(request, "purchasing.change_purchaseorder")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    services.purchase_order_send(
        order=order, email=bool(payload and payload.email), user=request.user
    )
    return _read(request, order.pk)


@router.post("/purchase-orders/{order_id}/confirm", response=PurchaseOrderOut)
def purchase_order_confirm(request, order_id: int):
    """Make it a purchase order; its goods wait on a confirmed receipt (`transfers`)."""
    require_perm(request, "purchasing.change_purchaseorder")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    services.purchase_order_confirm(order=order, user=request.user)
    return _read(request, order.pk)


@router.post("/purchase-orders/{order_id}/cancel", response=PurchaseOrderOut)
def purchase_order_cancel(request, order_id: int):
    """Cancel with its open receipts; 409 `purchase.received` once goods came in."""
    require_perm(request, "purchasing.change_purchaseorder")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    services.purchase_order_cancel(order=order, user=request.user)
    return _read(request, order.pk)


@router.post("/purchase-orders/{order_id}/receive", response=PurchaseOrderOut)
def purchase_order_receive(request, order_id: int, payload: ReceiveIn | None = None):
    """Process the open receipt: all of it, or `lines` [{id, quantity}] in the lines' units;
    the rest stays on a backorder. 409 `purchase.cancelled` on a cancelled order."""
    require_perm(request, "purchasing.change_purchaseorder")
    require_perm(request, "inventory.change_transfer")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    quantities = None
    if payload is not None and payload.lines is not None:
        quantities = {row.id: row.quantity for row in payload.lines}
    services.purchase_order_receive(order=order, quantities=quantities, user=request.user)
    return _read(request, order.pk)


@router.post("/purchase-orders/{order_id}/bill", response=PurchaseOrderOut)
def purchase_order_bill(request, order_id: int, payload: BillIn | None = None):
    """A draft vendor bill of what is received (or ordered) and not yet billed. The answer
    is the order: its `invoices` include the new bill, `warnings` the three-way match."""
    require_perm(request, "purchasing.change_purchaseorder")
    require_perm(request, "accounting.add_invoice")
    require_perm(request, "accounting.manage_vendor_bills")
    order = get_scoped(PurchaseOrder, request, order_id, label="purchase_order")
    payload = payload or BillIn()
    quantities = None
    if payload.lines is not None:
        quantities = {row.id: row.quantity for row in payload.lines}
    services.purchase_order_bill(
        order=order,
        policy=payload.policy,
        quantities=quantities,
        date=payload.date,
        user=request.user,
    )
    return _read(request, order.pk)
