"""/warehouses, /locations, /stock/*, /transfers, /inventory-counts (thin: see services)."""

from datetime import date
from typing import Literal

from django.db.models import Prefetch
from ninja import Query, Router, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.catalog.models import Product, Uom
from tandem.core.exports import export_response
from tandem.core.services import UNSET
from tandem.parties.models import Address, Party

from . import queries, services
from .models import (
    InventoryCount,
    Location,
    Lot,
    StockMove,
    Transfer,
    Warehouse,
)
from .schemas import (
    MAX_ID,
    NO_NUL,
    AssignIn,
    CountIn,
    CountLinesIn,
    CountOut,
    CountPatch,
    LayerOut,
    LevelOut,
    LocationIn,
    LocationOut,
    LocationPatch,
    MoveOut,
    TransferDoneIn,
    TransferIn,
    TransferListOut,
    TransferOut,
    TransferPatch,
    ValuationOut,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
)

router = Router(tags=["inventory"])

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)


# -- warehouses and locations --------------------------------------------------------------


def _warehouse(request, warehouse_id: int) -> Warehouse:
    return get_scoped(queries.warehouses(company_of(request)), request, warehouse_id)


@router.get("/warehouses", response=page_of(WarehouseOut))
def warehouse_list(request, limit: int = LIMIT, offset: int = OFFSET, search: str = SEARCH):
    """`search` finds the code or the name; `is_default` marks the company's default."""
    require_perm(request, "inventory.view_warehouse")
    qs = queries.warehouses(company_of(request), search=search)
    return paginate(qs, limit=limit, offset=offset)


@router.get("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_read(request, warehouse_id: int):
    require_perm(request, "inventory.view_warehouse")
    return _warehouse(request, warehouse_id)


@router.post("/warehouses", response={201: WarehouseOut})
def warehouse_add(request, payload: WarehouseIn):
    """A warehouse with its location tree (view, Stock, Input, Output); the company's
    first warehouse becomes its default."""
    require_perm(request, "inventory.add_warehouse")
    warehouse = services.warehouse_create(
        company=company_of(request), code=payload.code, name=payload.name
    )
    return Status(201, _warehouse(request, warehouse.pk))


@router.patch("/warehouses/{warehouse_id}", response=WarehouseOut)
def warehouse_update(request, warehouse_id: int, payload: WarehousePatch):
    """Rename, (de)activate, or `{"is_default": true}`. 409 `warehouse.is_default` when
    deactivating or unsetting the default, `warehouse.has_stock` or
    `warehouse.open_transfers` when deactivating a warehouse in use."""
    require_perm(request, "inventory.change_warehouse")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.warehouse_update(warehouse=get_scoped(Warehouse, request, warehouse_id), **changes)
    return _warehouse(request, warehouse_id)


@router.get("/locations", response=page_of(LocationOut))
def location_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    usage: str = Query(
        "", pattern=r"^(|internal|supplier|customer|inventory|production|scrap|transit|view)$"
    ),
    warehouse: int | None = ID,
):
    require_perm(request, "inventory.view_location")
    company = company_of(request)
    services.virtual_locations(company)
    qs = Location.objects.filter(company=company)
    if search:
        qs = qs.filter(full_name__icontains=search) | qs.filter(barcode=search)
    if usage:
        qs = qs.filter(usage=usage)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    return paginate(qs.order_by("full_name", "id"), limit=limit, offset=offset)


@router.get("/locations/{location_id}", response=LocationOut)
def location_read(request, location_id: int):
    require_perm(request, "inventory.view_location")
    return get_scoped(Location, request, location_id)


@router.patch("/locations/{location_id}", response=LocationOut)
def location_update(request, location_id: int, payload: LocationPatch):
    """Rename (the full names below follow), change the barcode, (de)activate. 409
    `location.has_stock` when deactivating a location holding stock, `location.in_use`
    for an active warehouse's own locations, `location.virtual` for virtual ones."""
    require_perm(request, "inventory.change_location")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.location_update(location=get_scoped(Location, request, location_id), **changes)


@router.post("/locations", response={201: LocationOut})
def location_add(request, payload: LocationIn):
    require_perm(request, "inventory.add_location")
    return Status(
        201,
        services.location_create(
            company=company_of(request),
            name=payload.name,
            parent=get_ref(Location, request, payload.parent, field="parent"),
            usage=payload.usage,
            barcode=payload.barcode,
        ),
    )


# -- stock ---------------------------------------------------------------------------------


@router.get("/stock/levels", response=page_of(LevelOut))
def stock_levels(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    product: int | None = ID,
    location: int | None = ID,
    warehouse: int | None = ID,
    search: str = SEARCH,
    at: date | None = None,
):
    """On hand, reserved, available, incoming and outgoing per product and location;
    `forecast` counts the open moves scheduled up to `at` (all open moves without it)."""
    require_perm(request, "inventory.view_stocklevel")
    rows = queries.levels(
        company_of(request),
        product=get_ref(Product, request, product, field="product"),
        location=get_ref(Location, request, location, field="location"),
        warehouse=get_ref(Warehouse, request, warehouse, field="warehouse"),
        search=search,
        at=at,
    )
    return paginate(rows, limit=limit, offset=offset)


@router.get("/stock/moves", response=page_of(MoveOut))
def stock_moves(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    product: int | None = ID,
    location: int | None = ID,
    transfer: int | None = ID,
    lot: int | None = ID,
    state: str = Query("", pattern=r"^(|draft|confirmed|assigned|done|cancelled)$"),
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = SEARCH,
):
    """`search` finds the product's SKU or name, the transfer's number or the origin."""
    require_perm(request, "inventory.view_stockmove")
    qs = queries.moves(
        company_of(request),
        product=get_ref(Product, request, product, field="product"),
        location=get_ref(Location, request, location, field="location"),
        transfer=get_ref(Transfer, request, transfer, field="transfer"),
        lot=get_ref(Lot, request, lot, field="lot"),
        state=state,
        date_from=date_from,
        date_to=date_to,
        search=search,
    )
    return paginate(qs, limit=limit, offset=offset)


@router.get("/stock/valuation", response=ValuationOut)
def stock_valuation(request, search: str = SEARCH, format: Literal["json", "csv", "xlsx"] = "json"):
    """Rows per product (`quantity`, `value`, `unit_cost`); totals `value` equals the
    inventory account's balance."""
    require_perm(request, "inventory.view_valuationlayer")
    report = queries.valuation(company_of(request), search=search)
    if format != "json":
        return export_response(
            fmt=format,
            filename="stock-valuation",
            headers=["sku", "name", "valuation", "quantity", "unit_cost", "value"],
            rows=(
                [r["sku"], r["name"], r["valuation"], r["quantity"], r["unit_cost"], r["value"]]
                for r in report["rows"]
            ),
        )
    return report


@router.get("/stock/valuation/{product_id}/layers", response=page_of(LayerOut))
def stock_valuation_layers(request, product_id: int, limit: int = LIMIT, offset: int = OFFSET):
    """The product's valuation layers, oldest first: what each receipt, delivery,
    revaluation or price difference added to or took from its value."""
    require_perm(request, "inventory.view_valuationlayer")
    product = get_scoped(Product, request, product_id, label="product")
    return paginate(
        queries.valuation_layers(company_of(request), product=product), limit=limit, offset=offset
    )


# -- transfers -----------------------------------------------------------------------------


def _transfer(request, transfer_id: int, **attrs) -> Transfer:
    qs = Transfer.objects.select_related("company").prefetch_related(
        Prefetch("moves", StockMove.objects.select_related("lot")), "backorders"
    )
    transfer = get_scoped(qs, request, transfer_id, label="transfer")
    for key, value in attrs.items():
        setattr(transfer, key, value)
    return transfer


def _moves(request, moves: list[dict]) -> list[dict]:
    result = []
    for index, move in enumerate(moves):
        where = f"moves.{index}"
        data = dict(move)
        data["product"] = get_ref(Product, request, move["product"], field=f"{where}.product")
        data["uom"] = get_ref(Uom, request, move["uom"], field=f"{where}.uom")
        data["lot"] = get_ref(Lot, request, move["lot"], field=f"{where}.lot")
        if data["unit_cost"] is None:
            del data["unit_cost"]
        result.append(data)
    return result


@router.get("/transfers", response=page_of(TransferListOut))
def transfer_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    kind: str = Query("", pattern=r"^(|receipt|delivery|internal)$"),
    state: str = Query("", pattern=r"^(|draft|confirmed|assigned|done|cancelled)$"),
    party: int | None = ID,
    warehouse: int | None = ID,
    origin: str = SEARCH,
):
    require_perm(request, "inventory.view_transfer")
    qs = Transfer.objects.filter(company=company_of(request))
    if search:
        qs = qs.filter(number__icontains=search) | qs.filter(origin__icontains=search)
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if party is not None:
        qs = qs.filter(party_id=party)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    if origin:
        qs = qs.filter(origin=origin)
    return paginate(qs.order_by("-scheduled_date", "-id"), limit=limit, offset=offset)


@router.get("/transfers/{transfer_id}", response=TransferOut)
def transfer_read(request, transfer_id: int):
    require_perm(request, "inventory.view_transfer")
    return _transfer(request, transfer_id)


@router.get("/transfers/{transfer_id}/pdf")
def transfer_pdf(request, transfer_id: int):
    """The delivery slip (or goods receipt) as PDF, in the party's language."""
    require_perm(request, "inventory.view_transfer")
    from django.http import HttpResponse

    from .pdf import transfer_pdf as render

    content, filename = render(get_scoped(Transfer, request, transfer_id, label="transfer"))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@router.post("/transfers", response={201: TransferOut})
def transfer_add(request, payload: TransferIn):
    """A draft transfer; locations default from the kind and the warehouse."""
    require_perm(request, "inventory.add_transfer")
    data = payload.dict()
    transfer = services.transfer_create(
        company=company_of(request),
        kind=data["kind"],
        warehouse=get_ref(Warehouse, request, data["warehouse"], field="warehouse"),
        party=get_ref(Party, request, data["party"], field="party"),
        address=get_ref(Address, request, data["address"], field="address"),
        origin=data["origin"],
        scheduled_date=data["scheduled_date"],
        location_src=get_ref(Location, request, data["location_src"], field="location_src"),
        location_dest=get_ref(Location, request, data["location_dest"], field="location_dest"),
        notes=data["notes"],
        moves=_moves(request, data["moves"]),
    )
    return Status(201, _transfer(request, transfer.pk))


@router.patch("/transfers/{transfer_id}", response=TransferOut)
def transfer_update(request, transfer_id: int, payload: TransferPatch):
    require_perm(request, "inventory.change_transfer")
    transfer = get_scoped(Transfer, request, transfer_id)
    changes = payload.dict(exclude_unset=True)
    if changes.get("party") is not None:
        changes["party"] = get_ref(Party, request, changes["party"], field="party")
    if changes.get("moves") is not None:
        changes["moves"] = _moves(request, changes["moves"])
    address = changes.pop("address", UNSET)
    changes = {k: v for k, v in changes.items() if v is not None}
    if address is not UNSET:
        changes["address"] = get_ref(Address, request, address, field="address")
    services.transfer_update(transfer=transfer, **changes)
    return _transfer(request, transfer_id)


@router.delete("/transfers/{transfer_id}", response={204: None})
def transfer_delete(request, transfer_id: int):
    require_perm(request, "inventory.delete_transfer")
    services.transfer_delete(transfer=get_scoped(Transfer, request, transfer_id))
    return Status(204, None)


@router.post("/transfers/{transfer_id}/confirm", response=TransferOut)
def transfer_confirm(request, transfer_id: int):
    require_perm(request, "inventory.change_transfer")
    services.transfer_confirm(transfer=get_scoped(Transfer, request, transfer_id))
    return _transfer(request, transfer_id)


@router.post("/transfers/{transfer_id}/assign", response=TransferOut)
def transfer_assign(request, transfer_id: int, payload: AssignIn | None = None):
    """Reserve stock; `{"strict": true}` refuses a shortfall with `stock.insufficient`."""
    require_perm(request, "inventory.change_transfer")
    result = services.transfer_assign(
        transfer=get_scoped(Transfer, request, transfer_id),
        strict=bool(payload and payload.strict),
    )
    return _transfer(request, transfer_id, shortfalls=result.shortfalls)


@router.post("/transfers/{transfer_id}/done", response=TransferOut)
def transfer_done(request, transfer_id: int, payload: TransferDoneIn | None = None):
    """Without a body every move is done in full; with `moves`, the rest (and moves left
    out) go to a backorder, named in `backorder`."""
    require_perm(request, "inventory.change_transfer")
    quantities = None
    if payload is not None and payload.moves is not None:
        quantities = [{"id": m.id, "quantity": m.quantity} for m in payload.moves]
    result = services.transfer_done(
        transfer=get_scoped(Transfer, request, transfer_id),
        quantities=quantities,
        user=request.user,
    )
    return _transfer(request, transfer_id, backorder=result.backorder)


@router.post("/transfers/{transfer_id}/cancel", response=TransferOut)
def transfer_cancel(request, transfer_id: int):
    require_perm(request, "inventory.change_transfer")
    services.transfer_cancel(transfer=get_scoped(Transfer, request, transfer_id))
    return _transfer(request, transfer_id)


# -- inventory counts ----------------------------------------------------------------------


def _count(request, count_id: int) -> InventoryCount:
    qs = InventoryCount.objects.prefetch_related("lines")
    return get_scoped(qs, request, count_id, label="inventory_count")


def _count_lines(request, lines: list[dict]) -> list[dict]:
    return [
        {
            "product": get_ref(Product, request, line["product"], field=f"lines.{i}.product"),
            "lot": get_ref(Lot, request, line["lot"], field=f"lines.{i}.lot"),
            "counted": line["counted"],
        }
        for i, line in enumerate(lines)
    ]


@router.get("/inventory-counts", response=page_of(CountOut))
def count_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    state: str = Query("", pattern=r"^(|draft|done|cancelled)$"),
    location: int | None = ID,
    search: str = SEARCH,
):
    """`search` finds the number or the location's full name."""
    require_perm(request, "inventory.view_inventorycount")
    qs = queries.counts(
        company_of(request),
        search=search,
        state=state,
        location_id=location,
    )
    return paginate(qs, limit=limit, offset=offset)


@router.get("/inventory-counts/{count_id}", response=CountOut)
def count_read(request, count_id: int):
    require_perm(request, "inventory.view_inventorycount")
    return _count(request, count_id)


@router.post("/inventory-counts", response={201: CountOut})
def count_add(request, payload: CountIn):
    require_perm(request, "inventory.add_inventorycount")
    data = payload.dict()
    count = services.inventory_count_create(
        company=company_of(request),
        location=get_ref(Location, request, data["location"], field="location"),
        date=data["date"],
        lines=_count_lines(request, data["lines"]),
    )
    return Status(201, _count(request, count.pk))


@router.patch("/inventory-counts/{count_id}", response=CountOut)
def count_update(request, count_id: int, payload: CountPatch):
    """Draft counts only (409 `count.not_draft`); `lines` replaces all the lines."""
    require_perm(request, "inventory.change_inventorycount")
    count = get_scoped(InventoryCount, request, count_id, label="inventory_count")
    data = payload.dict()  # absent and null both leave a field as it is
    changes = {}
    if data.get("location") is not None:
        changes["location"] = get_ref(Location, request, data["location"], field="location")
    if data.get("date") is not None:
        changes["date"] = data["date"]
    if data.get("lines") is not None:
        changes["lines"] = _count_lines(request, data["lines"])
    services.inventory_count_update(count=count, **changes)
    return _count(request, count_id)


@router.delete("/inventory-counts/{count_id}", response={204: None})
def count_delete(request, count_id: int):
    """Draft counts only (409 `count.not_draft`)."""
    require_perm(request, "inventory.delete_inventorycount")
    services.inventory_count_delete(
        count=get_scoped(InventoryCount, request, count_id, label="inventory_count")
    )
    return Status(204, None)


@router.post("/inventory-counts/{count_id}/lines", response=CountOut)
def count_set_lines(request, count_id: int, payload: CountLinesIn):
    """Record counted quantities (a product counted again replaces its earlier figure)."""
    require_perm(request, "inventory.change_inventorycount")
    services.inventory_count_set_lines(
        count=get_scoped(InventoryCount, request, count_id, label="inventory_count"),
        lines=_count_lines(request, payload.dict()["lines"]),
    )
    return _count(request, count_id)


@router.post("/inventory-counts/{count_id}/apply", response=CountOut)
def count_apply(request, count_id: int):
    """Move the differences to or from Inventory loss and post them."""
    require_perm(request, "inventory.change_inventorycount")
    services.inventory_count_apply(
        count=get_scoped(InventoryCount, request, count_id, label="inventory_count"),
        user=request.user,
    )
    return _count(request, count_id)
