"""Sales API: /sales-orders, /returns, /order-exceptions, /sla-policies, /reports/order-fulfilment.

Thin: parse, resolve ids within the caller's company, call a service, serialise.
"""

from datetime import date
from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from ninja import Query, Router, Status

from tandem.accounting.models import Tax
from tandem.accounting.schemas.ledger import MAX_ID, NO_NUL
from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.api.jobs import JobOut
from tandem.catalog.models import PriceList, Product, Uom
from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.exports import export_response
from tandem.core.jobs import job_start
from tandem.parties.models import Address, Party, PaymentTerm

from . import services
from .jobs import INVOICE_PERIOD
from .models import (
    OrderException,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    SlaPolicy,
)
from .queries import exceptions_filtered, fulfilment_report, orders_filtered, returns_filtered
from .schemas import (
    BatchOut,
    CalendarOut,
    CalendarPatch,
    CancelIn,
    ConfirmIn,
    DeliveryFailedIn,
    DeliveryStepIn,
    ExceptionOut,
    ExceptionPatch,
    FulfilmentReport,
    IntakeIn,
    IntakeOut,
    InvoicePeriodIn,
    OrderIn,
    OrderInvoiceIn,
    OrderListOut,
    OrderOut,
    OrderPatch,
    ResolveIn,
    ReturnIn,
    ReturnOut,
    ReturnReceiveIn,
    ReturnRefundIn,
    SendIn,
    ShipBatchIn,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaPolicyPatch,
)

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)
SEARCH = Query("", max_length=100, pattern=NO_NUL)
ID = Query(None, ge=1, le=MAX_ID)
TAG = ["sales"]


# -- sales orders --------------------------------------------------------------------------


def _order(request, order_id):
    qs = (
        SalesOrder.objects.filter(company=company_of(request))
        .select_related("party")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesOrderLine.objects.order_by("sequence", "id").prefetch_related(
                    "taxes"
                ),
            ),
            "stage_events",
            "transfers",
            "invoices",
            "exceptions",
        )
    )
    return get_scoped(qs, request, order_id, label="salesorder")


def _lines(request, lines) -> list[dict]:
    """The payload's line ids as rows of the caller's company (one query per kind)."""
    company = company_of(request)
    wanted = {"product": set(), "uom": set(), "taxes": set()}
    for line in lines:
        wanted["product"].add(line["product"])
        if line.get("uom") is not None:
            wanted["uom"].add(line["uom"])
        wanted["taxes"].update(line.get("taxes") or ())
    found = {
        "product": Product.objects.filter(company=company)
        .select_related("uom")
        .in_bulk(wanted["product"]),
        "uom": Uom.objects.filter(company=company).in_bulk(wanted["uom"]),
        "taxes": Tax.objects.filter(company=company).in_bulk(wanted["taxes"]),
    }
    rows = []
    for index, line in enumerate(lines):
        row = dict(line)
        for name in ("product", "uom"):
            if row.get(name) is not None:
                row[name] = found[name].get(line[name])
                if row[name] is None:
                    raise InvalidReference(
                        f"{name}: no such record with id {line[name]}",
                        field=f"lines.{index}.{name}",
                    )
        if row.get("taxes") is not None:
            missing = [pk for pk in row["taxes"] if pk not in found["taxes"]]
            if missing:
                raise InvalidReference(
                    f"taxes: no such record with id {missing[0]}", field=f"lines.{index}.taxes"
                )
            row["taxes"] = [found["taxes"][pk] for pk in dict.fromkeys(row["taxes"])]
        rows.append(row)
    return rows


def _refs(request, data: dict) -> dict:
    for name, model in (
        ("party", Party),
        ("invoice_address", Address),
        ("delivery_address", Address),
        ("payment_term", PaymentTerm),
        ("price_list", PriceList),
    ):
        if data.get(name) is not None:
            data[name] = get_ref(model, request, data[name], field=name)
    if data.get("salesperson") is not None:
        user = (
            get_user_model()
            .objects.filter(
                pk=data["salesperson"],
                memberships__company=company_of(request),
                memberships__is_active=True,
            )
            .first()
        )
        if user is None:
            raise InvalidReference("salesperson: not a member of this company", field="salesperson")
        data["salesperson"] = user
    if data.get("lines") is not None:
        data["lines"] = _lines(request, data["lines"])
    return data


@router.get("/sales-orders", response=page_of(OrderListOut), tags=TAG)
def sales_order_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = SEARCH,
    state: str = Query("", pattern=r"^(|draft|sent|confirmed|done|cancelled)$"),
    party: int | None = ID,
    channel: str = Query("", max_length=30, pattern=NO_NUL),
    external_reference: str = Query("", max_length=100, pattern=NO_NUL),
    delivery_status: str = Query("", pattern=r"^(|nothing|pending|partial|delivered)$"),
    invoice_status: str = Query("", pattern=r"^(|nothing|to_invoice|partial|invoiced)$"),
    payment_status: str = Query("", pattern=r"^(|not_paid|partial|paid)$"),
    date_from: date | None = None,
    date_to: date | None = None,
):
    require_perm(request, "sales.view_salesorder")
    qs = orders_filtered(
        company_of(request),
        state=state,
        party=party,
        channel=channel,
        external_reference=external_reference,
        delivery_status=delivery_status,
        invoice_status=invoice_status,
        payment_status=payment_status,
        date_from=date_from,
        date_to=date_to,
        search=search,
    )
    return paginate(qs, limit=limit, offset=offset)


# before /sales-orders/{order_id}: its path would take "batch" as an id
@router.post("/sales-orders/batch", response=IntakeOut, tags=TAG)
def sales_order_batch(request, payload: IntakeIn):
    """Up to 1,000 channel orders in one call, one result per order in the order sent.

    Idempotent per (channel, external_reference): a re-sent identical order answers
    `existing` with the first one; a re-sent one with another body, a reference twice in
    the batch, an unknown customer or product come back as that order's `error` (stable
    `code`, `field` inside the order) while the good orders are created. `confirm` confirms
    the new ones as well; a refused confirmation leaves the order created, with the refusal
    in `error`. A malformed or oversized batch answers 422 and writes nothing."""
    require_perm(request, "sales.add_salesorder")
    if payload.confirm:
        require_perm(request, "sales.change_salesorder")
    results = services.sales_orders_intake(
        company=company_of(request),
        user=request.user,
        orders=[order.dict() for order in payload.orders],
        confirm=payload.confirm,
    )
    rows = []
    for result in results:
        order, error = result.order, result.error
        rows.append(
            {
                "index": result.index,
                "status": result.status,
                "id": order.pk if order is not None else None,
                "quotation_number": order.quotation_number if order is not None else "",
                "number": order.number if order is not None else "",
                "state": order.state if order is not None else "",
                "total_amount": order.total_amount if order is not None else None,
                "error": None
                if error is None
                else {
                    "code": error.code,
                    "title": str(error.title),
                    "detail": error.message,
                    "field": f"orders.{result.index}.{error.field}"
                    if getattr(error, "field", None)
                    else f"orders.{result.index}",
                    "existing_id": (getattr(error, "extra", None) or {}).get("existing_id"),
                },
            }
        )
    return {
        "created": sum(r.status == "created" for r in results),
        "existing": sum(r.status == "existing" for r in results),
        "failed": sum(r.status == "error" for r in results),
        "results": rows,
    }


def _batch_error(index: int, error) -> dict | None:
    if error is None:
        return None
    field = getattr(error, "field", None)
    return {
        "code": error.code,
        "title": str(error.title),
        "detail": error.message,
        "field": f"orders.{index}.{field}" if field and field != "orders" else f"orders.{index}",
        "existing_id": (getattr(error, "extra", None) or {}).get("existing_id"),
    }


def _batch_out(answers: list[tuple]) -> dict:
    rows = []
    for index, (order, error) in enumerate(answers):
        rows.append(
            {
                "index": index,
                "status": "error" if error is not None else "done",
                "id": order.pk if order is not None else None,
                "number": order.number if order is not None else "",
                "state": order.state if order is not None else "",
                "delivery_status": order.delivery_status if order is not None else "",
                "invoice_status": order.invoice_status if order is not None else "",
                "error": _batch_error(index, error),
            }
        )
    failed = sum(error is not None for _o, error in answers)
    return {"done": len(answers) - failed, "failed": failed, "results": rows}


@router.post("/sales-orders/ship-batch", response=BatchOut, tags=TAG)
def sales_order_ship_batch(request, payload: ShipBatchIn):
    """Ship the ready (fully reserved) deliveries of up to 1,000 orders in one pass.

    One result per order, in the order sent: an unknown order or another company's
    (`reference.invalid`), one not confirmed, prepaid and unpaid, with nothing reserved
    (`sales.nothing_to_ship`) or only partly (`transfer.not_ready`: ship it on its own)
    comes back with its error and nothing of it written, while the others ship. The same
    order twice or more than 1,000 answers 422 and writes nothing."""
    require_perm(request, "sales.change_salesorder")
    require_perm(request, "inventory.change_transfer")
    answers = services.sales_orders_ship(
        company=company_of(request), orders=payload.orders, user=request.user
    )
    return _batch_out(answers)


@router.post("/sales-orders/invoice-period", response={202: JobOut}, tags=TAG)
def sales_order_invoice_period(request, payload: InvoicePeriodIn):
    """Invoice every confirmed order of the period (by order date) with something to
    invoice, one posted invoice per order (`post: false`: drafts), in a job: 202 with the
    job (poll `GET /jobs/{id}`; `result` lists the invoices, `errors` the refused orders).
    A reversed period or one over 366 days answers 422 and starts nothing."""
    require_perm(request, "sales.change_salesorder")
    require_perm(request, "accounting.add_invoice")
    if payload.date_from > payload.date_to or (payload.date_to - payload.date_from).days > 366:
        raise ValidationFailed(
            "date_from..date_to: a period of at most 366 days",
            code="validation.period",
            field="date_from",
        )
    job = job_start(
        INVOICE_PERIOD,
        company=company_of(request),
        user=request.user,
        params={
            "date_from": payload.date_from.isoformat(),
            "date_to": payload.date_to.isoformat(),
            "date": payload.date.isoformat() if payload.date else "",
            "post": payload.post,
        },
    )
    return Status(202, job)


@router.get("/sales-orders/{order_id}", response=OrderOut, tags=TAG)
def sales_order_read(request, order_id: int):
    require_perm(request, "sales.view_salesorder")
    return _order(request, order_id)


@router.post("/sales-orders", response={201: OrderOut}, tags=TAG)
def sales_order_add(request, payload: OrderIn):
    """A quotation; a second order with the same channel + external_reference answers 409
    `sales.duplicate_reference` with `existing_id`."""
    require_perm(request, "sales.add_salesorder")
    data = _refs(request, payload.dict())
    order = services.sales_order_create(company=company_of(request), user=request.user, **data)
    return Status(201, _order(request, order.pk))


@router.patch("/sales-orders/{order_id}", response=OrderOut, tags=TAG)
def sales_order_update(request, order_id: int, payload: OrderPatch):
    """Quotations only (409 `sales.not_draft`); `lines`, when given, replace all lines."""
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.sales_order_update(order=order, user=request.user, **_refs(request, changes))
    return _order(request, order_id)


@router.delete("/sales-orders/{order_id}", response={204: None}, tags=TAG)
def sales_order_delete(request, order_id: int):
    require_perm(request, "sales.delete_salesorder")
    services.sales_order_delete(order=get_scoped(SalesOrder, request, order_id, label="salesorder"))
    return Status(204, None)


@router.post("/sales-orders/{order_id}/send", response=OrderOut, tags=TAG)
def sales_order_send(request, order_id: int, payload: SendIn | None = None):
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    services.sales_order_send(order=order, user=request.user, to=payload.to if payload else None)
    return _order(request, order_id)


@router.post("/sales-orders/{order_id}/confirm", response=OrderOut, tags=TAG)
def sales_order_confirm(request, order_id: int, payload: ConfirmIn | None = None):
    """Checks the credit limit (409 `credit.limit_exceeded`, the order stays on hold) and
    reserves stock; `override_credit` needs the override permission."""
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    services.sales_order_confirm(
        order=order, user=request.user, override_credit=bool(payload and payload.override_credit)
    )
    return _order(request, order_id)


@router.post("/sales-orders/{order_id}/cancel", response=OrderOut, tags=TAG)
def sales_order_cancel(request, order_id: int, payload: CancelIn | None = None):
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    services.sales_order_cancel(
        order=order, user=request.user, reason=payload.reason if payload else ""
    )
    return _order(request, order_id)


@router.post("/sales-orders/{order_id}/invoice", response=OrderOut, tags=TAG)
def sales_order_invoice(request, order_id: int, payload: OrderInvoiceIn | None = None):
    """A customer invoice for this order (and `with_orders`), per the lines' policies."""
    require_perm(request, "sales.change_salesorder")
    require_perm(request, "accounting.add_invoice")
    require_perm(request, "accounting.manage_customer_invoices")
    payload = payload or OrderInvoiceIn()
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    others = [
        get_ref(SalesOrder, request, pk, field="with_orders")
        for pk in payload.with_orders
        if pk != order.pk
    ]
    if payload.post:
        require_perm(request, "accounting.change_invoice")
    services.sales_order_invoice(
        orders=[order, *others],
        user=request.user,
        date=payload.date,
        quantities=payload.quantities,
        post=payload.post,
    )
    return _order(request, order_id)


def _step(request, order_id: int, step: str, payload: DeliveryStepIn | None):
    require_perm(request, "sales.change_salesorder")
    require_perm(request, "inventory.change_transfer")
    payload = payload or DeliveryStepIn()
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    quantities = None
    if payload.moves:
        quantities = {m.id: m.quantity for m in payload.moves}
    services.delivery_step(
        order=order,
        step=step,
        user=request.user,
        carrier=payload.carrier,
        tracking_reference=payload.tracking_reference,
        quantities=quantities,
    )
    return _order(request, order_id)


@router.post("/sales-orders/{order_id}/pick", response=OrderOut, tags=TAG)
def sales_order_pick(request, order_id: int, payload: DeliveryStepIn | None = None):
    return _step(request, order_id, "pick", payload)


@router.post("/sales-orders/{order_id}/pack", response=OrderOut, tags=TAG)
def sales_order_pack(request, order_id: int, payload: DeliveryStepIn | None = None):
    return _step(request, order_id, "pack", payload)


@router.post("/sales-orders/{order_id}/ship", response=OrderOut, tags=TAG)
def sales_order_ship(request, order_id: int, payload: DeliveryStepIn | None = None):
    """Processes the ready deliveries (`moves` [{id, quantity}] ships less: backorder)."""
    return _step(request, order_id, "ship", payload)


@router.post("/sales-orders/{order_id}/deliver", response=OrderOut, tags=TAG)
def sales_order_deliver(request, order_id: int, payload: DeliveryStepIn | None = None):
    return _step(request, order_id, "deliver", payload)


@router.post("/sales-orders/{order_id}/reserve", response=OrderOut, tags=TAG)
def sales_order_reserve(request, order_id: int):
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    services.sales_order_reserve(order=order, user=request.user)
    return _order(request, order_id)


@router.get("/sales-orders/{order_id}/pdf", tags=TAG)
def sales_order_pdf(request, order_id: int):
    require_perm(request, "sales.view_salesorder")
    order = get_scoped(
        SalesOrder.objects.select_related("party", "company"),
        request,
        order_id,
        label="salesorder",
    )
    response = HttpResponse(services.order_pdf(order), content_type="application/pdf")
    name = str(order).replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@router.post("/sales-orders/{order_id}/delivery-failed", response=OrderOut, tags=TAG)
def sales_order_delivery_failed(request, order_id: int, payload: DeliveryFailedIn):
    """The carrier could not deliver: opens a `delivery_failed` exception with the note."""
    require_perm(request, "sales.change_salesorder")
    order = get_scoped(SalesOrder, request, order_id, label="salesorder")
    services.delivery_failed(order=order, note=payload.note, user=request.user)
    return _order(request, order_id)


# -- returns -------------------------------------------------------------------------------


def _return(request, return_id):
    qs = (
        SalesReturn.objects.filter(company=company_of(request))
        .select_related("order")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SalesReturnLine.objects.select_related("order_line").order_by("pk"),
            )
        )
    )
    return get_scoped(qs, request, return_id, label="salesreturn")


@router.get("/returns", response=page_of(ReturnOut), tags=TAG)
def sales_return_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query(
        "", max_length=100, pattern=NO_NUL, description="number, customer or order number"
    ),
    state: str = Query("", pattern=r"^(|draft|received|refunded|done|cancelled)$"),
    order: int | None = ID,
    party: int | None = ID,
):
    require_perm(request, "sales.view_salesreturn")
    qs = returns_filtered(company_of(request), search=search, state=state, order=order, party=party)
    return paginate(qs, limit=limit, offset=offset)


@router.get("/returns/{return_id}", response=ReturnOut, tags=TAG)
def sales_return_read(request, return_id: int):
    require_perm(request, "sales.view_salesreturn")
    return _return(request, return_id)


@router.post("/returns", response={201: ReturnOut}, tags=TAG)
def sales_return_add(request, payload: ReturnIn):
    """A draft return of a shipped order's lines; more than delivered and invoiced less
    earlier returns answers 409 `return.quantity_exceeded`."""
    require_perm(request, "sales.add_salesreturn")
    order = get_ref(SalesOrder, request, payload.order, field="order")
    row = services.sales_return_create(
        order=order,
        lines=[line.dict() for line in payload.lines],
        reason=payload.reason,
        date=payload.date,
        user=request.user,
    )
    return Status(201, _return(request, row.pk))


@router.post("/returns/{return_id}/receive", response=ReturnOut, tags=TAG)
def sales_return_receive(request, return_id: int, payload: ReturnReceiveIn | None = None):
    """Goods back to stock (or scrap) at their delivered cost, and a posted credit note."""
    require_perm(request, "sales.change_salesreturn")
    require_perm(request, "inventory.change_transfer")
    require_perm(request, "accounting.add_invoice")
    require_perm(request, "accounting.manage_customer_invoices")
    services.sales_return_receive(
        sales_return=_return(request, return_id),
        user=request.user,
        date=payload.date if payload else None,
    )
    return _return(request, return_id)


@router.post("/returns/{return_id}/refund", response=ReturnOut, tags=TAG)
def sales_return_refund(request, return_id: int, payload: ReturnRefundIn | None = None):
    """Pays out the credit note (409 `return.nothing_to_refund` when nothing was paid)."""
    from tandem.accounting.models import Journal

    require_perm(request, "sales.change_salesreturn")
    require_perm(request, "accounting.add_payment")
    payload = payload or ReturnRefundIn()
    services.sales_return_refund(
        sales_return=_return(request, return_id),
        user=request.user,
        journal=get_ref(Journal, request, payload.journal, field="journal"),
        date=payload.date,
    )
    return _return(request, return_id)


@router.post("/returns/{return_id}/cancel", response=ReturnOut, tags=TAG)
def sales_return_cancel(request, return_id: int):
    require_perm(request, "sales.change_salesreturn")
    services.sales_return_cancel(sales_return=_return(request, return_id), user=request.user)
    return _return(request, return_id)


# -- exceptions ----------------------------------------------------------------------------


def _exception(request, exception_id):
    qs = OrderException.objects.filter(company=company_of(request)).select_related("order")
    return get_scoped(qs, request, exception_id, label="orderexception")


@router.get("/order-exceptions", response=page_of(ExceptionOut), tags=TAG)
def order_exception_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query(
        "", max_length=100, pattern=NO_NUL, description="order number, kind or detail"
    ),
    kind: str = Query(
        "",
        pattern=r"^(|stock_shortage|credit_hold|payment_overdue|sla_breach|delivery_failed)$",
    ),
    state: str = Query("", pattern=r"^(|open|resolved)$"),
    owner: int | None = ID,
    order: int | None = ID,
):
    require_perm(request, "sales.view_orderexception")
    qs = exceptions_filtered(
        company_of(request), search=search, kind=kind, state=state, owner=owner, order=order
    )
    return paginate(qs, limit=limit, offset=offset)


@router.get("/order-exceptions/{exception_id}", response=ExceptionOut, tags=TAG)
def order_exception_read(request, exception_id: int):
    require_perm(request, "sales.view_orderexception")
    return _exception(request, exception_id)


@router.patch("/order-exceptions/{exception_id}", response=ExceptionOut, tags=TAG)
def order_exception_update(request, exception_id: int, payload: ExceptionPatch):
    require_perm(request, "sales.change_orderexception")
    exception = _exception(request, exception_id)
    data = payload.dict(exclude_unset=True)
    if "owner" in data:
        owner = None
        if data["owner"] is not None:
            owner = get_user_model().objects.filter(pk=data["owner"]).first()
            if owner is None:
                raise InvalidReference("owner: not a member of this company", field="owner")
        services.order_exception_update(exception=exception, owner=owner)
    return _exception(request, exception_id)


@router.post("/order-exceptions/{exception_id}/resolve", response=ExceptionOut, tags=TAG)
def order_exception_resolve(request, exception_id: int, payload: ResolveIn):
    """Records the note and moves the order on (a credit hold confirms it: an override)."""
    require_perm(request, "sales.change_orderexception")
    services.order_exception_resolve(
        exception=_exception(request, exception_id), note=payload.note, user=request.user
    )
    return _exception(request, exception_id)


# -- SLA policies, calendar ----------------------------------------------------------------


@router.get("/sla-policies", response=page_of(SlaPolicyOut), tags=TAG)
def sla_policy_list(
    request,
    limit: int = LIMIT,
    offset: int = OFFSET,
    search: str = Query("", max_length=100, pattern=NO_NUL, description="name or stage"),
):
    require_perm(request, "sales.view_slapolicy")
    qs = SlaPolicy.objects.filter(company=company_of(request)).order_by("id")
    search = search.strip()
    if search:
        # a policy may have no name: its stage is what the list shows then
        qs = qs.filter(Q(name__icontains=search) | Q(stage__icontains=search))
    return paginate(qs, limit=limit, offset=offset)


@router.get("/sla-policies/{policy_id}", response=SlaPolicyOut, tags=TAG)
def sla_policy_read(request, policy_id: int):
    require_perm(request, "sales.view_slapolicy")
    return get_scoped(SlaPolicy, request, policy_id, label="slapolicy")


@router.post("/sla-policies", response={201: SlaPolicyOut}, tags=TAG)
def sla_policy_add(request, payload: SlaPolicyIn):
    require_perm(request, "sales.add_slapolicy")
    policy = services.sla_policy_create(company=company_of(request), **payload.dict())
    return Status(201, get_scoped(SlaPolicy, request, policy.pk, label="slapolicy"))


@router.patch("/sla-policies/{policy_id}", response=SlaPolicyOut, tags=TAG)
def sla_policy_update(request, policy_id: int, payload: SlaPolicyPatch):
    require_perm(request, "sales.change_slapolicy")
    policy = get_scoped(SlaPolicy, request, policy_id, label="slapolicy")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    services.sla_policy_update(policy=policy, **changes)
    return get_scoped(SlaPolicy, request, policy_id, label="slapolicy")


@router.delete("/sla-policies/{policy_id}", response={204: None}, tags=TAG)
def sla_policy_delete(request, policy_id: int):
    require_perm(request, "sales.delete_slapolicy")
    services.sla_policy_delete(policy=get_scoped(SlaPolicy, request, policy_id, label="slapolicy"))
    return Status(204, None)


@router.get("/business-calendar", response=CalendarOut, tags=TAG)
def business_calendar_read(request):
    require_perm(request, "sales.view_businesscalendar")
    return services.calendar_for(company_of(request))


@router.patch("/business-calendar", response=CalendarOut, tags=TAG)
def business_calendar_update(request, payload: CalendarPatch):
    require_perm(request, "sales.change_businesscalendar")
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.calendar_update(company=company_of(request), **changes)


# -- reports -------------------------------------------------------------------------------


_FULFILMENT_COLUMNS = (
    "stage",
    "reached",
    "current",
    "target_hours",
    "breaches",
    "on_time_rate",
    "cycle_p50_hours",
    "cycle_p90_hours",
)


@router.get("/reports/order-fulfilment", response=FulfilmentReport, tags=TAG)
def order_fulfilment_report(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
):
    """Orders per stage, on-time rate per stage (%), cycle time p50/p90 (hours from
    received), open exceptions by kind; orders received in the period. `format=csv|xlsx`
    gives the rows as a file, like the other reports."""
    require_perm(request, "sales.view_salesorder")
    report = fulfilment_report(company_of(request), date_from=date_from, date_to=date_to)
    if format != "json":
        return export_response(
            fmt=format,
            filename="order-fulfilment",
            headers=_FULFILMENT_COLUMNS,
            rows=([row[column] for column in _FULFILMENT_COLUMNS] for row in report["rows"]),
        )
    return report
