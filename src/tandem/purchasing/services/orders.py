"""RFQs and purchase orders: drafts, send, confirm (the receipt), receive, bill, cancel.

Lock order: the order first, then whatever the inventory and accounting services lock
(transfer, levels, valuation rows; invoice). Received and billed quantities are derived
from done moves and bill lines and written under the order's lock.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from tandem.accounting.models import (
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    Tax,
    TaxScope,
)
from tandem.accounting.services import company_today
from tandem.accounting.services.tax_defaults import default_taxes_for_lines
from tandem.accounting.services.taxes import accounting_settings, taxes_compute
from tandem.catalog.models import Product, ProductType, Uom
from tandem.catalog.services import uom_factor
from tandem.core import events
from tandem.core.errors import ValidationFailed
from tandem.core.models import Currency
from tandem.core.money import minor_unit, quantize_price, quantize_quantity
from tandem.core.services import exchange_rate_for, sequence_next
from tandem.inventory.models import Location, MoveState, StockMove, Transfer, Warehouse
from tandem.inventory.services.warehouses import warehouse_default
from tandem.parties.models import Party

from ..errors import (
    InvalidReference,
    OrderBilled,
    OrderCancelled,
    OrderInvalidTransition,
    OrderNoLines,
    OrderNotDraft,
    OrderReceived,
)
from ..models import (
    EDITABLE_STATES,
    ORDER_TRANSITIONS,
    ZERO,
    BillingStatus,
    OrderState,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    ReceiptStatus,
    origin_line_of,
)
from ._common import (
    PRICE_UNIT,
    UNSET,
    a_date,
    check_company,
    lock_one,
    number,
    require,
    text,
)
from .prices import supplier_price_for

ORDER_FIELDS = (
    "supplier",
    "currency",
    "order_date",
    "expected_date",
    "warehouse",
    "location_dest",
    "reference",
    "origin",
    "notes",
    "lines",
)
LINE_FIELDS = (
    "product",
    "description",
    "quantity",
    "uom",
    "unit_price",
    "discount",
    "taxes",
    "expected_date",
    "reorder_rule",
    "reason",
)
MAX_LINES = 1000
BILL_POLICIES = ("received", "ordered")
OPEN_TRANSFER_STATES = (MoveState.DRAFT, MoveState.CONFIRMED, MoveState.ASSIGNED)


def _lock(order: PurchaseOrder) -> PurchaseOrder:
    return lock_one(PurchaseOrder, order.pk, label="purchase_order")


def _transition(order: PurchaseOrder, to: str) -> None:
    if to in ORDER_TRANSITIONS[OrderState(order.state)]:
        return
    if order.state == OrderState.CANCELLED:
        raise OrderCancelled(f"{order} is cancelled")
    raise OrderInvalidTransition(f"{order}: not allowed from {order.state} to {to}")


def _require_editable(order: PurchaseOrder) -> None:
    if order.state not in EDITABLE_STATES:
        raise OrderNotDraft(f"{order} is {order.state}; only RFQs change")


def is_stocked(product: Product) -> bool:
    return product.type != ProductType.SERVICE


# -- input ---------------------------------------------------------------------------------


def _supplier(company, supplier) -> Party:
    require(supplier, Party, field="supplier")
    check_company(company, supplier, field="supplier")
    return supplier


def _currency(value, default: str) -> Currency:
    code = default if value in (None, "") else str(getattr(value, "code", value)).strip().upper()
    currency = Currency.objects.filter(code=code).first()
    if currency is None:
        raise ValidationFailed(
            f"Unknown currency {code}", code="currency.unknown", field="currency"
        )
    if minor_unit(code) > 2:
        raise ValidationFailed(
            f"{code} has {minor_unit(code)} decimal places; the ledger keeps two",
            code="currency.unsupported",
            field="currency",
        )
    return currency


def _warehouse(company, warehouse) -> Warehouse:
    if warehouse is None:
        warehouse = warehouse_default(company)
        if warehouse is None:
            raise ValidationFailed(
                "Create a warehouse first", code="warehouse.missing", field="warehouse"
            )
        return warehouse
    require(warehouse, Warehouse, field="warehouse")
    check_company(company, warehouse, field="warehouse")
    return warehouse


def _location(company, warehouse: Warehouse, location) -> Location | None:
    if location is None:
        return None
    require(location, Location, field="location_dest")
    check_company(company, location, field="location_dest")
    if location.warehouse_id != warehouse.pk or location.usage != "internal":
        raise ValidationFailed(
            "location_dest: an internal location of the order's warehouse",
            code="purchase.location_invalid",
            field="location_dest",
        )
    return location


def _build_lines(order: PurchaseOrder, lines: Iterable[Mapping]):
    """Validate input lines into unsaved order lines with their taxes (defaults filled)."""
    company = order.company
    lines = list(lines or ())
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    defaults = default_taxes_for_lines(
        company=company, lines=lines, scope=TaxScope.PURCHASE, party=order.supplier_id
    )
    built = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        if not isinstance(line, Mapping):
            raise ValidationFailed(f"{where}: not a line", field=where)
        unknown = set(line) - set(LINE_FIELDS)
        if unknown:
            raise ValidationFailed(
                f"{where}: unknown fields {', '.join(sorted(unknown))}", field=where
            )
        product = line.get("product")
        if not isinstance(product, Product):
            raise ValidationFailed(
                f"{where}.product is required", code="validation.required", field=f"{where}.product"
            )
        check_company(company, product, field=f"{where}.product")
        quantity = number(line.get("quantity"), field=f"{where}.quantity")
        uom = line.get("uom") or product.purchase_uom
        if not isinstance(uom, Uom) or uom.company_id != company.pk:
            raise InvalidReference(f"{where}.uom: no such unit", field=f"{where}.uom")
        if uom.category_id != product.uom.category_id:
            raise ValidationFailed(
                f"{where}.uom: {uom.name} does not convert to {product.uom.name}",
                code="uom.no_conversion",
                field=f"{where}.uom",
            )
        price = line.get("unit_price")
        if price is None or price == "":
            found = supplier_price_for(
                company=company,
                product=product,
                quantity=quantity * uom_factor(from_uom=uom, to_uom=product.uom),
                on_date=order.order_date,
                supplier=order.supplier,
            )
            if found is not None and found.currency_id == order.currency_id:
                # supplier prices are per the product's unit
                price = quantize_price(found.price * uom_factor(from_uom=uom, to_uom=product.uom))
            else:
                price = product.cost_price if order.currency_id == company.currency_id else ZERO
        price = number(price, field=f"{where}.unit_price", unit=PRICE_UNIT)
        discount = number(
            line.get("discount") or 0,
            field=f"{where}.discount",
            unit=Decimal("0.01"),
            maximum=Decimal(100),
        )
        if line.get("taxes") is not None:
            taxes = list(dict.fromkeys(line["taxes"]))
            for tax in taxes:
                if not isinstance(tax, Tax) or tax.company_id != company.pk:
                    raise InvalidReference(
                        f"{where}.taxes: no such tax in this company", field=f"{where}.taxes"
                    )
                if tax.scope != TaxScope.PURCHASE:
                    raise ValidationFailed(
                        f"{where}.taxes: {tax.name} is a {tax.scope} tax",
                        code="tax.scope_mismatch",
                        field=f"{where}.taxes",
                    )
        else:
            taxes = list(defaults.get(product.pk, []))
        description = text(line.get("description"), field=f"{where}.description", max_length=500)
        built.append(
            (
                PurchaseOrderLine(
                    company=company,
                    sequence=(index + 1) * 10,
                    product=product,
                    description=description or product.name[:500],
                    quantity=quantity,
                    uom=uom,
                    unit_price=price,
                    discount=discount,
                    expected_date=a_date(
                        line.get("expected_date"), field=f"{where}.expected_date", required=False
                    ),
                    reorder_rule=line.get("reorder_rule"),
                    reason=text(line.get("reason"), field=f"{where}.reason", max_length=300),
                ),
                taxes,
            )
        )
    return built


def _insert_lines(order: PurchaseOrder, built) -> None:
    for line, _taxes in built:
        line.order = order
    created = PurchaseOrderLine.objects.bulk_create([line for line, _taxes in built])
    if not all(line.pk for line in created):  # backends without RETURNING
        created = list(PurchaseOrderLine.objects.filter(order=order).order_by("sequence", "id"))
    through = PurchaseOrderLine.taxes.through
    through.objects.bulk_create(
        [
            through(purchaseorderline_id=line.pk, tax_id=tax.pk)
            for line, (_unsaved, taxes) in zip(created, built, strict=True)
            for tax in taxes
        ]
    )


def order_recompute(order: PurchaseOrder) -> PurchaseOrder:
    """Line amounts and totals from the lines, by the accounting rounding rules."""
    lines = list(PurchaseOrderLine.objects.filter(order=order).prefetch_related("taxes"))
    result = taxes_compute(
        [
            {
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": list(line.taxes.all()),
            }
            for line in lines
        ],
        currency=order.currency_id,
        rounding=accounting_settings(order.company).tax_rounding,
    )
    for line, figures in zip(lines, result.lines, strict=True):
        line.untaxed_amount = figures.untaxed
        line.tax_amount = figures.tax
        line.total_amount = figures.total
    PurchaseOrderLine.objects.bulk_update(lines, ["untaxed_amount", "tax_amount", "total_amount"])
    if result.total < 0:
        raise ValidationFailed(
            "The order total is negative", code="purchase.negative_total", field="lines"
        )
    order.untaxed_amount = result.untaxed
    order.tax_amount = result.tax
    order.total_amount = result.total
    PurchaseOrder.objects.filter(pk=order.pk).update(
        untaxed_amount=result.untaxed,
        tax_amount=result.tax,
        total_amount=result.total,
        updated_at=timezone.now(),
    )
    return order


# -- drafts --------------------------------------------------------------------------------


@transaction.atomic
def purchase_order_create(
    *,
    company,
    supplier: Party,
    lines: Iterable[Mapping] = (),
    warehouse: Warehouse | None = None,
    currency=None,
    order_date: datetime.date | None = None,
    expected_date: datetime.date | None = None,
    location_dest: Location | None = None,
    reference: str = "",
    origin: str = "",
    notes: str = "",
    user=None,
) -> PurchaseOrder:
    """An RFQ with its lines; prices default from the supplier's prices, taxes from the
    product's purchase taxes."""
    supplier = _supplier(company, supplier)
    warehouse = _warehouse(company, warehouse)
    order = PurchaseOrder(
        company=company,
        supplier=supplier,
        currency=_currency(currency, supplier.currency_id or company.currency_id),
        order_date=a_date(order_date, field="order_date", required=False) or company_today(company),
        expected_date=a_date(expected_date, field="expected_date", required=False),
        warehouse=warehouse,
        location_dest=_location(company, warehouse, location_dest),
        reference=text(reference, field="reference", max_length=100),
        origin=text(origin, field="origin", max_length=100),
        notes=text(notes, field="notes", max_length=10_000),
        created_by=user if getattr(user, "pk", None) else None,
    )
    built = _build_lines(order, lines)
    order.save()
    _insert_lines(order, built)
    return order_recompute(order)


@transaction.atomic
def purchase_order_update(*, order: PurchaseOrder, **changes) -> PurchaseOrder:
    """Change an RFQ (draft or sent); `lines`, when given, replace all lines."""
    unknown = set(changes) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    changes = {k: v for k, v in changes.items() if v is not UNSET}
    locked = _lock(order)
    _require_editable(locked)
    company = locked.company
    if "supplier" in changes:
        locked.supplier = _supplier(company, changes["supplier"])
    if "currency" in changes:
        locked.currency = _currency(changes["currency"], locked.currency_id)
    if "order_date" in changes:
        locked.order_date = a_date(changes["order_date"], field="order_date")
    if "expected_date" in changes:
        locked.expected_date = a_date(
            changes["expected_date"], field="expected_date", required=False
        )
    if "warehouse" in changes:
        locked.warehouse = _warehouse(company, changes["warehouse"])
        if "location_dest" not in changes:
            locked.location_dest = None
    if "location_dest" in changes:
        locked.location_dest = _location(company, locked.warehouse, changes["location_dest"])
    for name, limit in (("reference", 100), ("origin", 100), ("notes", 10_000)):
        if name in changes:
            setattr(locked, name, text(changes[name], field=name, max_length=limit))
    if "lines" in changes:
        built = _build_lines(locked, changes["lines"] or ())
        PurchaseOrderLine.objects.filter(order=locked).delete()
        _insert_lines(locked, built)
    locked.save()
    return order_recompute(locked)


@transaction.atomic
def purchase_order_delete(*, order: PurchaseOrder) -> None:
    """Only an RFQ never sent: a sent one has a number and is cancelled instead."""
    locked = _lock(order)
    if locked.state != OrderState.DRAFT:
        raise OrderNotDraft(f"{locked} is {locked.state}; cancel it instead")
    PurchaseOrderLine.objects.filter(order=locked).delete()
    locked.delete()


def _number(order: PurchaseOrder) -> str:
    if order.number:
        return order.number
    return sequence_next(
        company=order.company, code="purchase", on_date=order.order_date, prefix="PO/{year}/"
    )


def _send_email(order_id: int, to: str, subject: str, body: str) -> None:
    from django.core.mail import send_mail

    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)


@transaction.atomic
def purchase_order_send(*, order: PurchaseOrder, email: bool = False, user=None) -> PurchaseOrder:
    """Mark the RFQ sent (numbering it); with `email`, mail it to the supplier on commit."""
    locked = _lock(order)
    _transition(locked, OrderState.SENT)
    if not PurchaseOrderLine.objects.filter(order=locked).exists():
        raise OrderNoLines(f"{locked} has no lines", field="lines")
    locked.number = _number(locked)
    locked.state = OrderState.SENT
    locked.sent_at = timezone.now()
    locked.save(update_fields=["number", "state", "sent_at", "updated_at"])
    if email and locked.supplier.email:
        lines = "\n".join(
            f"- {line.product.sku} {line.description}: {line.quantity} {line.uom.name}"
            for line in locked.lines.select_related("product", "uom")
        )
        subject = f"{locked.company.name}: {locked.number}"
        body = f"{locked.number} ({locked.order_date})\n\n{lines}\n"
        transaction.on_commit(lambda: _send_email(locked.pk, locked.supplier.email, subject, body))
    return locked


def _unit_cost(order: PurchaseOrder, line: PurchaseOrderLine, rate: Decimal) -> Decimal:
    """The untaxed price of one unit of the line's unit, in the company currency."""
    if not line.quantity:
        return ZERO
    return quantize_price(line.untaxed_amount / line.quantity * rate)


@transaction.atomic
def purchase_order_confirm(*, order: PurchaseOrder, user=None) -> PurchaseOrder:
    """Make it a purchase order and the confirmed receipt of its stocked lines."""
    from tandem.inventory.services import transfer_create

    locked = _lock(order)
    _transition(locked, OrderState.CONFIRMED)
    lines = list(
        PurchaseOrderLine.objects.filter(order=locked)
        .select_related("product", "uom")
        .order_by("sequence", "id")
    )
    if not lines or not any(line.quantity for line in lines):
        raise OrderNoLines(f"{locked} has no lines to order", field="lines")
    order_recompute(locked)
    rate = exchange_rate_for(
        company=locked.company, currency=locked.currency_id, on_date=locked.order_date
    )
    locked.number = _number(locked)
    moves = [
        {
            "product": line.product,
            "quantity": line.quantity,
            "uom": line.uom,
            "unit_cost": _unit_cost(locked, line, rate),
        }
        for line in lines
        if is_stocked(line.product) and line.quantity
    ]
    if moves:
        transfer = transfer_create(
            company=locked.company,
            kind="receipt",
            moves=moves,
            warehouse=locked.warehouse,
            party=locked.supplier,
            origin=locked.number,
            scheduled_date=locked.expected_date or locked.order_date,
            location_dest=locked.location_dest or locked.warehouse.stock_location,
            confirm=True,
        )
        PurchaseReceipt.objects.create(company=locked.company, order=locked, transfer=transfer)
    locked.state = OrderState.CONFIRMED
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["number", "state", "confirmed_at", "updated_at"])
    events.publish(
        "purchase.confirmed",
        order_id=locked.pk,
        company_id=locked.company_id,
        number=locked.number,
    )
    return locked


def _link_backorders(order: PurchaseOrder) -> list[int]:
    """Link backorders that inventory split off the order's receipts; the transfer ids."""
    linked = set(PurchaseReceipt.objects.filter(order=order).values_list("transfer_id", flat=True))
    while True:
        new = list(
            Transfer.objects.filter(backorder_of_id__in=linked)
            .exclude(pk__in=linked)
            .values_list("pk", flat=True)
        )
        if not new:
            return sorted(linked)
        PurchaseReceipt.objects.bulk_create(
            [PurchaseReceipt(company=order.company, order=order, transfer_id=pk) for pk in new]
        )
        linked.update(new)


def _refresh(order: PurchaseOrder) -> None:
    """Write the lines' received and billed quantities from done moves and bill lines.

    Done quantities are summed per product (in the product's unit) and given to the lines
    of that product in line order, each up to its ordered quantity, the last taking any
    excess. The caller holds the order's lock.
    """
    transfers = _link_backorders(order)
    lines = list(
        PurchaseOrderLine.objects.filter(order=order)
        .select_related("product__uom", "uom")
        .order_by("sequence", "id")
    )
    done = dict(
        StockMove.objects.filter(transfer_id__in=transfers, state=MoveState.DONE)
        .values("product_id")
        .annotate(total=Sum("quantity_done"))
        .values_list("product_id", "total")
    )
    bill_lines = (
        InvoiceLine.objects.filter(
            company=order.company,
            origin_line__in=[origin_line_of(line.pk) for line in lines],
            invoice__kind__in=(InvoiceKind.VENDOR_BILL, InvoiceKind.VENDOR_CREDIT_NOTE),
        )
        .exclude(invoice__state=InvoiceState.CANCELLED)
        .values("origin_line", "invoice__state", "invoice__kind")
        .annotate(total=Sum("quantity"))
    )
    billed: dict[str, Decimal] = defaultdict(Decimal)
    posted: dict[str, Decimal] = defaultdict(Decimal)
    for row in bill_lines:
        is_posted = row["invoice__state"] == InvoiceState.POSTED
        if row["invoice__kind"] == InvoiceKind.VENDOR_CREDIT_NOTE:
            # a posted credit note of a bill gives its units back to bill again; a draft
            # one changes nothing yet
            if is_posted:
                billed[row["origin_line"]] -= row["total"]
                posted[row["origin_line"]] -= row["total"]
            continue
        billed[row["origin_line"]] += row["total"]
        if is_posted:
            posted[row["origin_line"]] += row["total"]
    by_product: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for line in lines:
        by_product[line.product_id].append(line)
    for product_id, group in by_product.items():
        left = done.get(product_id) or ZERO
        for index, line in enumerate(group):
            factor = uom_factor(from_uom=line.uom, to_uom=line.product.uom)
            if not is_stocked(line.product):
                line.received_quantity = ZERO
                continue
            wanted = line.quantity * factor
            take = left if index == len(group) - 1 else min(left, wanted)
            left -= take
            line.received_quantity = quantize_quantity(take / factor, 6)
    for line in lines:
        line.billed_quantity = billed.get(origin_line_of(line.pk)) or ZERO
    PurchaseOrderLine.objects.bulk_update(lines, ["received_quantity", "billed_quantity"])
    # done once everything came in and is billed on posted bills; a cancelled bill reopens
    if order.state in (OrderState.CONFIRMED, OrderState.DONE):
        complete = receipt_status(lines) in (ReceiptStatus.FULL, ReceiptStatus.NOTHING) and all(
            posted.get(origin_line_of(line.pk), ZERO) >= line.quantity for line in lines
        )
        if complete and receipt_status(lines) == ReceiptStatus.NOTHING:
            complete = not any(is_stocked(line.product) and line.quantity for line in lines)
        state = OrderState.DONE if complete else OrderState.CONFIRMED
        if state != order.state:
            PurchaseOrder.objects.filter(pk=order.pk).update(state=state, updated_at=timezone.now())
            order.state = state


def receipt_status(lines: Iterable[PurchaseOrderLine]) -> str:
    stocked = [line for line in lines if is_stocked(line.product) and line.quantity]
    if not stocked or not any(line.received_quantity for line in stocked):
        return ReceiptStatus.NOTHING
    if all(line.received_quantity >= line.quantity for line in stocked):
        return ReceiptStatus.FULL
    return ReceiptStatus.PARTIAL


def billing_status(lines: Iterable[PurchaseOrderLine], state: str = OrderState.CONFIRMED) -> str:
    lines = [line for line in lines if line.quantity]
    if state in (OrderState.DRAFT, OrderState.SENT) or not lines:
        return BillingStatus.NOTHING
    if all(line.billed_quantity >= line.quantity for line in lines):
        return BillingStatus.FULL
    if any(line.billed_quantity for line in lines):
        return BillingStatus.PARTIAL
    if any(billable_quantity(line, "received") > 0 for line in lines):
        return BillingStatus.TO_BILL
    return BillingStatus.NOTHING


def billable_quantity(line: PurchaseOrderLine, policy: str) -> Decimal:
    """What may still be billed of the line under `policy` (in the line's unit)."""
    if policy == "ordered" or not is_stocked(line.product):
        base = line.quantity
    else:
        base = line.received_quantity
    return max(base - line.billed_quantity, ZERO)


@transaction.atomic
def purchase_order_refresh(*, order: PurchaseOrder) -> PurchaseOrder:
    """Bring received and billed quantities up to date (after a receipt or a bill changed)."""
    locked = _lock(order)
    _refresh(locked)
    return locked


@transaction.atomic
def purchase_order_cancel(*, order: PurchaseOrder, user=None) -> PurchaseOrder:
    """Cancel the order and its open receipts; refused once anything was received."""
    from tandem.inventory.services import transfer_cancel

    locked = _lock(order)
    _transition(locked, OrderState.CANCELLED)
    transfers = _link_backorders(locked)
    if StockMove.objects.filter(transfer_id__in=transfers, state=MoveState.DONE).exists():
        raise OrderReceived(f"{locked}: goods were received; return them instead")
    if _live_bill_lines(locked).exists():
        raise OrderBilled(f"{locked} has bills; cancel them first")
    for transfer in Transfer.objects.filter(pk__in=transfers, state__in=OPEN_TRANSFER_STATES):
        transfer_cancel(transfer=transfer)
    locked.state = OrderState.CANCELLED
    locked.save(update_fields=["state", "updated_at"])
    return locked


def _live_bill_lines(order: PurchaseOrder):
    ids = PurchaseOrderLine.objects.filter(order=order).values_list("pk", flat=True)
    return InvoiceLine.objects.filter(
        company=order.company, origin_line__in=[origin_line_of(pk) for pk in ids]
    ).exclude(invoice__state=InvoiceState.CANCELLED)


def transfers_of(order: PurchaseOrder):
    return Transfer.objects.filter(purchase_receipt__order=order).order_by("pk")


__all__ = [
    "billable_quantity",
    "billing_status",
    "order_recompute",
    "purchase_order_cancel",
    "purchase_order_confirm",
    "purchase_order_create",
    "purchase_order_delete",
    "purchase_order_refresh",
    "purchase_order_send",
    "purchase_order_update",
    "receipt_status",
    "transfers_of",
]
