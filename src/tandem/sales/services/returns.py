"""Returns: a shipped order's goods come back (to stock or scrap), credited and refunded.

Receiving books the goods through inventory's services: a receipt from the customer
location to the stock location the order shipped from, each move carrying the unit cost the
order's deliveries went out at, so the valuation reverses cost of goods sold at cost
(Dr inventory / Cr COGS). Lines marked `to_scrap` then leave stock for the scrap location
in a second transfer (Dr loss / Cr inventory): inventory has no transfer from the customer
straight to scrap, and this way the cost moves from COGS to the loss account visibly.

The posted credit note reverses revenue and output tax. It first settles what is still
open on the order's invoices; what is left of it is owed to the customer, paid out by
`sales_return_refund`. A return with nothing left to pay out is done at once.

Credit note lines name the return line (`sales.return_line:<id>`), not the order line, so a
return never reopens the order for invoicing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date as date_type
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState
from tandem.catalog.models import Product
from tandem.catalog.services.pricing import company_today
from tandem.core.errors import InvalidReference, InvalidTransition, ValidationFailed
from tandem.core.services import sequence_next
from tandem.inventory.models import LocationUsage, MoveState, StockMove, TransferKind

from ..errors import NoLines, NothingToRefund, ReturnNotShipped, ReturnQuantityExceeded
from ..models import (
    RETURN_TRANSITIONS,
    ZERO,
    OrderState,
    ReturnState,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
)
from ._common import lock, lock_order, number, text
from .stock import kit_parts

RETURN_ORIGIN = "sales.return_line:"
UNIT_COST = Decimal("0.000001")
MAX_LINES = 500


def _transition(row: SalesReturn, to: str) -> None:
    if to not in RETURN_TRANSITIONS[ReturnState(row.state)]:
        raise InvalidTransition(
            f"{row} is {ReturnState(row.state).label}; it cannot become {ReturnState(to).label}",
            code="return.invalid_transition",
            extra={"state": row.state},
        )


def _lock_return(row: SalesReturn) -> SalesReturn:
    return lock(SalesReturn, [row.pk])[row.pk]


def returned_quantities(order_id: int, *, exclude: int | None = None) -> dict[int, Decimal]:
    """Order line id -> quantity on the order's returns that are not cancelled."""
    rows = SalesReturnLine.objects.filter(sales_return__order_id=order_id).exclude(
        sales_return__state=ReturnState.CANCELLED
    )
    if exclude is not None:
        rows = rows.exclude(sales_return_id=exclude)
    return dict(rows.values_list("order_line_id").annotate(q=Sum("quantity")))


def _returnable(line: SalesOrderLine, returned: Decimal) -> Decimal:
    # only invoiced goods are credited; uninvoiced ones are settled by invoicing less
    return max(min(line.qty_delivered, line.qty_invoiced) - returned, ZERO)


def _check_quantities(order: SalesOrder, wanted: dict[int, Decimal], *, exclude=None) -> dict:
    lines = SalesOrderLine.objects.in_bulk(list(wanted))
    returned = returned_quantities(order.pk, exclude=exclude)
    for line_id, qty in wanted.items():
        line = lines[line_id]
        allowed = _returnable(line, returned.get(line_id, ZERO))
        if qty > allowed:
            raise ReturnQuantityExceeded(
                f"{line.description}: {qty} asked, {allowed} may be returned",
                field=f"lines.{line_id}.quantity",
                extra={"line": line_id, "allowed": str(allowed)},
            )
    return lines


@transaction.atomic
def sales_return_create(
    *,
    order: SalesOrder,
    lines: Iterable[Mapping],
    reason: str = "",
    date: date_type | None = None,
    user=None,
) -> SalesReturn:
    """A draft return of `lines` [{order_line, quantity, to_scrap}] of a shipped order.

    More than delivered and invoiced, less earlier returns, answers `return.quantity_exceeded`.
    """
    locked = lock_order(order)
    if locked.state not in (OrderState.CONFIRMED, OrderState.DONE):
        raise ReturnNotShipped(f"{locked} is not a confirmed order")
    lines = list(lines)
    if not lines:
        raise NoLines("A return needs at least one line", field="lines", code="return.no_lines")
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    own = set(SalesOrderLine.objects.filter(order_id=locked.pk).values_list("pk", flat=True))
    wanted: dict[int, Decimal] = {}
    scrap: dict[int, bool] = {}
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, Mapping):
            raise ValidationFailed(f"{where}: not a line", field=where)
        unknown = set(line) - {"order_line", "quantity", "to_scrap"}
        if unknown:
            raise ValidationFailed(f"{where}: unknown fields {', '.join(sorted(unknown))}")
        ref = line.get("order_line")
        line_id = getattr(ref, "pk", ref)
        if not isinstance(line_id, int) or line_id not in own:
            raise InvalidReference(
                f"{where}.order_line: no such line on {locked}", field=f"{where}.order_line"
            )
        if line_id in wanted:
            raise ValidationFailed(
                f"{where}.order_line: the line appears twice",
                code="return.duplicate_line",
                field=f"{where}.order_line",
            )
        wanted[line_id] = number(
            line.get("quantity"), field=f"{where}.quantity", places=4, minimum=ZERO, strict_min=True
        )
        scrap[line_id] = bool(line.get("to_scrap", False))
    _check_quantities(locked, wanted)
    on = date or company_today(locked.company)
    row = SalesReturn.objects.create(
        company_id=locked.company_id,
        number=sequence_next(company=locked.company, code="RMA", on_date=on, prefix="RMA/{year}/"),
        order=locked,
        party_id=locked.party_id,
        date=on,
        reason=text(reason, field="reason", max_length=500),
        created_by=user if getattr(user, "pk", None) else None,
    )
    SalesReturnLine.objects.bulk_create(
        SalesReturnLine(
            company_id=locked.company_id,
            sales_return=row,
            order_line_id=line_id,
            quantity=qty,
            to_scrap=scrap[line_id],
        )
        for line_id, qty in wanted.items()
    )
    return row


@transaction.atomic
def sales_return_cancel(*, sales_return: SalesReturn, user=None) -> SalesReturn:
    row = _lock_return(sales_return)
    _transition(row, ReturnState.CANCELLED)
    SalesReturn.objects.filter(pk=row.pk).update(
        state=ReturnState.CANCELLED, updated_at=timezone.now()
    )
    row.refresh_from_db()
    return row


def _delivered_costs(order: SalesOrder) -> dict[tuple[int, int], Decimal]:
    """(product, unit) -> the unit cost the order's done deliveries went out at."""
    costs = {}
    rows = (
        StockMove.objects.filter(
            transfer__sales_orders=order.pk,
            transfer__kind=TransferKind.DELIVERY,
            state=MoveState.DONE,
        )
        .values_list("product_id", "uom_id")
        .annotate(value=Sum("value"), qty=Sum("uom_quantity"))
    )
    for product_id, uom_id, value, qty in rows:
        if qty:
            costs[(product_id, uom_id)] = (Decimal(value) / Decimal(qty)).quantize(UNIT_COST)
    return costs


def _stock_location(order: SalesOrder):
    first = (
        order.transfers.filter(kind=TransferKind.DELIVERY, state=MoveState.DONE)
        .select_related("location_src")
        .order_by("pk")
        .first()
    )
    return first.location_src if first is not None else None


def _book_goods(row: SalesReturn, order: SalesOrder, lines: list, *, user) -> None:
    from tandem.inventory.services import transfer_create, transfer_done, virtual_location

    company = order.company
    stocked = [li for li in lines if li.order_line.product.type != "service"]
    if not stocked:
        return
    costs = _delivered_costs(order)
    # a kit comes back as the components it was delivered as, each at its delivered cost
    parts = kit_parts(
        company.pk,
        [
            SimpleNamespace(
                pk=li.pk,
                order_id=order.pk,
                product_id=li.order_line.product_id,
                uom_id=li.order_line.uom_id,
                quantity=li.quantity,
            )
            for li in stocked
        ],
        {order.pk: order.order_date},
    )

    def goods(line, *, cost: bool) -> list[dict]:
        if line.pk not in parts:
            ol = line.order_line
            row = {"product": ol.product, "quantity": line.quantity, "uom": ol.uom}
            return [{**row, "unit_cost": line.unit_cost}] if cost else [row]
        rows = []
        for (product_id, uom_id), qty in parts[line.pk]:
            row = {"product": Product(pk=product_id), "quantity": qty, "uom": None}
            if cost:
                row["unit_cost"] = costs.get((product_id, uom_id))
            rows.append(row)
        return rows

    for line in stocked:
        ol = line.order_line
        if line.pk in parts:
            value = sum((qty * costs.get(key, ZERO) for key, qty in parts[line.pk]), ZERO)
            line.unit_cost = (value / line.quantity).quantize(UNIT_COST)
        else:
            line.unit_cost = costs.get((ol.product_id, ol.uom_id))
    SalesReturnLine.objects.bulk_update(stocked, ["unit_cost"])
    stock = _stock_location(order)
    customer = virtual_location(company, LocationUsage.CUSTOMER)
    receipt = transfer_create(
        company=company,
        kind=TransferKind.RECEIPT,
        party=order.party,
        origin=row.number,
        scheduled_date=row.date,
        location_src=customer,
        location_dest=stock,
        moves=[move for li in stocked for move in goods(li, cost=True)],
        confirm=True,
    )
    receipt = transfer_done(transfer=receipt, user=user)
    row.transfer = receipt
    scrapped = [li for li in stocked if li.to_scrap]
    if scrapped:
        scrap = transfer_create(
            company=company,
            kind=TransferKind.DELIVERY,
            origin=row.number,
            scheduled_date=row.date,
            location_src=receipt.location_dest,
            location_dest=virtual_location(company, LocationUsage.SCRAP),
            moves=[move for li in scrapped for move in goods(li, cost=False)],
            confirm=True,
        )
        row.scrap_transfer = transfer_done(transfer=scrap, user=user)


def _credit(row: SalesReturn, order: SalesOrder, lines: list, *, on, user) -> Invoice:
    from tandem.accounting.services.invoices import invoice_create
    from tandem.accounting.services.payments import credit_note_allocate

    taxes = defaultdict(list)
    for link in SalesOrderLine.taxes.through.objects.filter(
        salesorderline_id__in=[li.order_line_id for li in lines]
    ).select_related("tax"):
        taxes[link.salesorderline_id].append(link.tax)
    note = invoice_create(
        company=order.company,
        kind=InvoiceKind.CUSTOMER_CREDIT_NOTE,
        party=order.party,
        date=on,
        currency=order.currency_id,
        payment_term=order.payment_term,
        reference=order.number,
        origin=row.number,
        language=order.language,
        user=user,
        allow_archived=True,  # the credit reverses what was sold, with the taxes of then
        lines=[
            {
                "product": li.order_line.product,
                "description": li.order_line.description,
                "quantity": li.quantity,
                "uom": li.order_line.uom,
                "unit_price": li.order_line.unit_price,
                "discount": li.order_line.discount,
                "taxes": taxes.get(li.order_line_id, []),
                "origin_line": f"{RETURN_ORIGIN}{li.pk}",
            }
            for li in lines
        ],
        post=True,
    )
    # what the customer still owes on the order is settled first; the rest is refunded
    left = note.residual_amount
    open_invoices = Invoice.objects.filter(
        sales_orders=order.pk,
        kind=InvoiceKind.CUSTOMER_INVOICE,
        state=InvoiceState.POSTED,
        residual_amount__gt=0,
        currency_id=note.currency_id,
    ).order_by("date", "pk")
    for invoice in open_invoices:
        if left <= 0:
            break
        take = min(left, invoice.residual_amount)
        credit_note_allocate(credit_note=note, invoice=invoice, amount=take, date=on, user=user)
        left -= take
    note.refresh_from_db()
    return note


@transaction.atomic
def sales_return_receive(
    *, sales_return: SalesReturn, user=None, date: date_type | None = None
) -> SalesReturn:
    """Book the goods back (stock or scrap) and post the credit note of the returned lines."""
    order = lock_order(sales_return.order)
    row = _lock_return(sales_return)
    _transition(row, ReturnState.RECEIVED)
    lines = list(
        SalesReturnLine.objects.filter(sales_return=row)
        .select_related("order_line__product", "order_line__uom")
        .order_by("pk")
    )
    # the order's invoices may have been credited since the draft was made
    lock(SalesOrderLine, [li.order_line_id for li in lines])
    _check_quantities(order, {li.order_line_id: li.quantity for li in lines}, exclude=row.pk)
    on = date or company_today(order.company)
    _book_goods(row, order, lines, user=user)
    note = _credit(row, order, lines, on=on, user=user)
    now = timezone.now()
    row.credit_note = note
    row.state = ReturnState.RECEIVED if note.residual_amount > 0 else ReturnState.DONE
    row.received_at = now
    row.save()
    return row


@transaction.atomic
def sales_return_refund(
    *, sales_return: SalesReturn, user=None, journal=None, date: date_type | None = None
) -> SalesReturn:
    """Pay out what the credit note still owes: an outgoing payment allocated to it.

    Refused with `return.nothing_to_refund` when the credit note settled unpaid invoices
    and nothing is owed to the customer.
    """
    from tandem.accounting.services.payments import payment_create, payment_post

    row = _lock_return(sales_return)
    if row.state == ReturnState.DONE:
        raise NothingToRefund(f"{row}: the credit note settled what was unpaid; nothing to refund")
    _transition(row, ReturnState.REFUNDED)
    note = lock(Invoice, [row.credit_note_id])[row.credit_note_id]
    if note.residual_amount <= 0:
        raise NothingToRefund(f"{row}: nothing is owed to the customer")
    on = date or company_today(row.company)
    payment = payment_create(
        company=row.company,
        direction="out",
        party=note.party,
        amount=note.residual_amount,
        date=on,
        journal=journal,
        currency=note.currency_id,
        reference=row.number,
        allocations=[(note, note.residual_amount)],
        user=user,
    )
    payment = payment_post(payment=payment, user=user)
    now = timezone.now()
    row.refund = payment
    row.state = ReturnState.REFUNDED
    row.refunded_at = now
    row.save()
    return row
