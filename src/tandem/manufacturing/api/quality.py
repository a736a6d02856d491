"""Quality points, checks and alerts, and lot genealogy (on the app's router)."""

from typing import Literal

from ninja import Query, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.catalog.models import Product
from tandem.inventory.models import Lot
from tandem.inventory.schemas import MAX_ID

from .. import services
from ..models import BomOperation, QualityAlert, QualityCheck, QualityPoint
from . import router
from .schemas import (
    LotGenealogyOut,
    QualityAlertIn,
    QualityCheckAlertOut,
    QualityCheckOut,
    QualityPointIn,
    QualityPointOut,
    QualityPointPatch,
    QualityRecordIn,
    QualityReleaseIn,
)

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
ID = Query(None, ge=1, le=MAX_ID)


def _point_refs(request, data: dict) -> dict:
    if "product" in data:
        data["product"] = get_ref(Product, request, data["product"], field="product")
    if "operation" in data:
        data["operation"] = get_ref(BomOperation, request, data["operation"], field="operation")
    return data


@router.get("/quality-points", response=page_of(QualityPointOut))
def quality_point_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    trigger: Literal["production", "receipt"] | None = None,
    product: int | None = ID,
    active: bool | None = None,
):
    require_perm(request, "manufacturing.view_qualitypoint")
    qs = QualityPoint.objects.filter(company=company_of(request))
    if trigger:
        qs = qs.filter(trigger=trigger)
    if product:
        qs = qs.filter(product_id=product)
    if active is not None:
        qs = qs.filter(active=active)
    return paginate(qs.order_by("name", "id"), limit=limit, offset=offset)


@router.get("/quality-points/{point_id}", response=QualityPointOut)
def quality_point_read(request, point_id: int):
    require_perm(request, "manufacturing.view_qualitypoint")
    return get_scoped(QualityPoint, request, point_id, label="quality_point")


@router.post("/quality-points", response={201: QualityPointOut})
def quality_point_add(request, payload: QualityPointIn):
    """A control point: `trigger` production (of `product`, or of the BOM of `operation`)
    or receipt (of `product`); `test` pass_fail or measure (between `tolerance_min` and
    `tolerance_max`, 422 `quality.tolerance` otherwise); a check one time in `every`."""
    require_perm(request, "manufacturing.add_qualitypoint")
    data = _point_refs(request, payload.dict())
    return Status(201, services.quality_point_create(company=company_of(request), **data))


@router.patch("/quality-points/{point_id}", response=QualityPointOut)
def quality_point_patch(request, point_id: int, payload: QualityPointPatch):
    require_perm(request, "manufacturing.change_qualitypoint")
    point = get_scoped(QualityPoint, request, point_id, label="quality_point")
    data = _point_refs(request, payload.dict(exclude_unset=True))
    # null clears a reference or a tolerance; for the other fields it means "unchanged"
    clearable = {"product", "operation", "norm", "tolerance_min", "tolerance_max"}
    changes = {k: v for k, v in data.items() if v is not None or k in clearable}
    return services.quality_point_update(point=point, **changes)


def _checks(request):
    return QualityCheck.objects.filter(company=company_of(request)).select_related("point")


@router.get("/quality-checks", response=page_of(QualityCheckOut))
def quality_check_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    state: Literal["todo", "pass", "fail"] | None = None,
    manufacturing_order: int | None = ID,
    lot: int | None = ID,
    product: int | None = ID,
):
    require_perm(request, "manufacturing.view_qualitycheck")
    qs = _checks(request)
    if state:
        qs = qs.filter(state=state)
    if manufacturing_order:
        qs = qs.filter(mo_id=manufacturing_order)
    if lot:
        qs = qs.filter(lot_id=lot)
    if product:
        qs = qs.filter(product_id=product)
    return paginate(qs.order_by("-id"), limit=limit, offset=offset)


@router.get("/quality-checks/{check_id}", response=QualityCheckOut)
def quality_check_read(request, check_id: int):
    require_perm(request, "manufacturing.view_qualitycheck")
    return get_scoped(_checks(request), request, check_id, label="quality_check")


@router.post("/quality-checks/{check_id}/record", response=QualityCheckOut)
def quality_check_record(request, check_id: int, payload: QualityRecordIn):
    """Record `result` (pass/fail) or `measured`; a failure raises an alert and holds the
    lot. Recording twice: 409 `quality_check.recorded`; a missing result: 422
    `quality.result`."""
    require_perm(request, "manufacturing.change_qualitycheck")
    check = get_scoped(QualityCheck, request, check_id, label="quality_check")
    data = payload.dict()
    services.quality_check_record(
        check=check,
        result=data["result"],
        measure=data["measured"],
        note=data["note"],
        user=request.user,
    )
    return _checks(request).get(pk=check.pk)


@router.post("/quality-checks/{check_id}/release", response=QualityCheckOut)
def quality_check_release(request, check_id: int, payload: QualityReleaseIn | None = None):
    """Release the lot a failed check holds (409 `quality_check.not_held` otherwise)."""
    require_perm(request, "manufacturing.change_qualitycheck")
    check = get_scoped(QualityCheck, request, check_id, label="quality_check")
    note = payload.note if payload else ""
    services.quality_check_release(check=check, note=note, user=request.user)
    return _checks(request).get(pk=check.pk)


@router.get("/quality-alerts", response=page_of(QualityCheckAlertOut))
def quality_alert_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    state: Literal["open", "closed"] | None = None,
    lot: int | None = ID,
):
    require_perm(request, "manufacturing.view_qualityalert")
    qs = QualityAlert.objects.filter(company=company_of(request))
    if state:
        qs = qs.filter(state=state)
    if lot:
        qs = qs.filter(lot_id=lot)
    return paginate(qs.order_by("-id"), limit=limit, offset=offset)


@router.post("/quality-alerts", response={201: QualityCheckAlertOut})
def quality_alert_add(request, payload: QualityAlertIn):
    require_perm(request, "manufacturing.add_qualityalert")
    data = payload.dict()
    alert = services.quality_alert_create(
        company=company_of(request),
        title=data["title"],
        description=data["description"],
        product=get_ref(Product, request, data["product"], field="product"),
        lot=get_ref(Lot, request, data["lot"], field="lot"),
    )
    return Status(201, alert)


@router.post("/quality-alerts/{alert_id}/close", response=QualityCheckAlertOut)
def quality_alert_close(request, alert_id: int):
    require_perm(request, "manufacturing.change_qualityalert")
    alert = get_scoped(QualityAlert, request, alert_id, label="quality_alert")
    return services.quality_alert_close(alert=alert)


@router.get("/lots/{lot_id}/genealogy", response=LotGenealogyOut)
def lot_genealogy(request, lot_id: int):
    """The lots that went into the lot (`components`, a tree down to purchased lots) and
    the lots it went into (`where_used`, a tree up to finished lots)."""
    require_perm(request, "manufacturing.view_manufacturingorder")
    lot = get_scoped(Lot, request, lot_id, label="lot")
    return {
        "lot": lot.pk,
        "name": lot.name,
        "product": lot.product_id,
        "held": bool(services.held_lots(lot.company_id, [lot.pk])),
        "components": services.lot_components(lot),
        "where_used": services.lot_where_used(lot),
    }
