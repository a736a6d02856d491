"""Quotations and sales orders: draft, send, confirm (credit limit, stock), cancel, invoice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date as date_type
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from tandem.accounting.models import Invoice, InvoiceKind, InvoiceState, Tax, TaxScope
from tandem.accounting.services.tax_defaults import default_taxes_for_lines
from tandem.accounting.services.taxes import accounting_settings, taxes_compute
from tandem.catalog.models import Product, Uom
from tandem.catalog.services.pricing import company_today, prices_for
from tandem.core import events
from tandem.core.bulk import rows_update
from tandem.core.errors import Forbidden, InvalidReference, ValidationFailed
from tandem.core.models import Currency
from tandem.core.money import quantize_money
from tandem.core.services import exchange_rate_for, sequence_next
from tandem.parties.models import Address, Party, PaymentTerm

from ..errors import (
    CreditLimitExceeded,
    DuplicateReference,
    NoLines,
    NotDraft,
    NothingToInvoice,
    OnHold,
    OrderShipped,
    Overinvoiced,
    PriceBelowFloor,
    ProductNotSellable,
)
from ..models import (
    ZERO,
    DeliveryStatus,
    ExceptionKind,
    ExceptionState,
    InvoicePolicy,
    InvoiceStatus,
    OrderException,
    OrderState,
    PaymentStatus,
    SalesOrder,
    SalesOrderLine,
    SalesOrderLog,
    SalesProductSettings,
    SalesSettings,
    Stage,
)
from . import stock
from ._common import (
    PERM_CREDIT,
    PERM_PRICE_FLOOR,
    UNSET,
    check_company,
    is_prepaid,
    lock,
    lock_order,
    may,
    number,
    term_is_immediate,
    text,
    transition,
)
from .stages import stage_record

MAX_LINES = 500


def net_price(unit_price: Decimal, discount: Decimal) -> Decimal:
    """The unit price after the line's discount (percent), unrounded: compared, not stored."""
    return unit_price * (100 - (discount or ZERO)) / 100


LINE_FIELDS = ("product", "description", "quantity", "uom", "unit_price", "discount", "taxes")
ORDER_FIELDS = (
    "party",
    "invoice_address",
    "delivery_address",
    "currency",
    "payment_term",
    "price_list",
    "channel",
    "external_reference",
    "salesperson",
    "order_date",
    "validity_date",
    "commitment_date",
    "language",
    "note",
    "prepaid",
)
LANGUAGES = ("", "en", "zh-hans")


# -- settings ------------------------------------------------------------------------------


def sales_settings(company) -> SalesSettings:
    row = SalesSettings.objects.filter(company=company).first()
    if row is None:
        try:
            with transaction.atomic():
                row = SalesSettings.objects.create(company=company)
        except IntegrityError:
            row = SalesSettings.objects.get(company=company)
    return row


@transaction.atomic
def product_invoice_policy_set(*, product: Product, invoice_policy: str) -> SalesProductSettings:
    if invoice_policy not in InvoicePolicy.values:
        raise ValidationFailed(
            "invoice_policy: ordered or delivered", code="validation.choice", field="invoice_policy"
        )
    row, _ = SalesProductSettings.objects.update_or_create(
        product=product,
        defaults={"company_id": product.company_id, "invoice_policy": invoice_policy},
    )
    return row


def _policies(company, product_ids) -> dict[int, str]:
    default = sales_settings(company).invoice_policy
    found = dict(
        SalesProductSettings.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "invoice_policy"
        )
    )
    return {pid: found.get(pid, default) for pid in product_ids}


# -- lines and totals ----------------------------------------------------------------------


def _build_lines(order: SalesOrder, lines: Iterable[Mapping], *, user) -> list:
    """Validate input lines into unsaved SalesOrderLines with their taxes."""
    company = order.company
    lines = list(lines)
    checked = _check_lines(company, lines)
    defaults = default_taxes_for_lines(
        company=company, lines=lines, scope=TaxScope.SALE, party=order.party_id
    )
    policies = _policies(company, {product.pk for product, _q, _u in checked})
    # all lines priced in one pass: two queries whatever the number of lines
    quotes = prices_for(
        company=company,
        lines=checked,
        party=order.party,
        on_date=order.order_date,
        currency=order.currency_id,
        price_list=order.price_list_id,
    )
    return _finish_lines(order, lines, checked, quotes, defaults, policies, user=user)


def _check_lines(company, lines: list) -> list:
    """(product, quantity, uom) of each input line, or the first line's error (no query)."""
    if len(lines) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines", field="lines")
    checked = []
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
        if not isinstance(product, Product) or product.company_id != company.pk:
            raise InvalidReference(f"{where}.product: no such product", field=f"{where}.product")
        if not product.active or not product.can_be_sold:
            raise ProductNotSellable(
                f"{where}.product: {product.sku} cannot be sold", field=f"{where}.product"
            )
        quantity = number(
            Decimal(1) if line.get("quantity") is None else line.get("quantity"),
            field=f"{where}.quantity",
            places=4,
            minimum=ZERO,
            strict_min=True,
        )
        uom = line.get("uom") or product.uom
        if not isinstance(uom, Uom) or uom.company_id != company.pk:
            raise InvalidReference(f"{where}.uom: no such unit", field=f"{where}.uom")
        checked.append((product, quantity, uom))
    return checked


def _finish_lines(order, lines, checked, quotes, defaults, policies, *, user) -> list:
    """The unsaved lines from checked input and the reads made for them (no query)."""
    company = order.company
    built = []
    for index, (line, (product, quantity, uom), quote) in enumerate(
        zip(lines, checked, quotes, strict=True)
    ):
        where = f"lines.{index}"
        floor = quote.unit_price
        price = line.get("unit_price")
        price = (
            floor
            if price is None
            else number(price, field=f"{where}.unit_price", places=6, minimum=ZERO)
        )
        discount = number(
            line.get("discount"),
            field=f"{where}.discount",
            places=2,
            minimum=ZERO,
            maximum=Decimal(100),
        )
        # The floor is the price-list price, and it holds for the net price: a discount is
        # a lower price too, so it needs the same permission as typing a lower price.
        if net_price(price, discount) < floor and not may(user, company, PERM_PRICE_FLOOR):
            field = f"{where}.unit_price" if price < floor else f"{where}.discount"
            raise PriceBelowFloor(
                f"{field}: the net price {net_price(price, discount)} is below the price-list "
                f"price {floor}",
                field=field,
                extra={"floor": str(floor)},
            )
        if line.get("taxes") is not None:
            taxes = list(dict.fromkeys(line["taxes"]))
            for tax in taxes:
                if not isinstance(tax, Tax) or tax.company_id != company.pk:
                    raise InvalidReference(f"{where}.taxes: no such tax", field=f"{where}.taxes")
                if tax.scope != TaxScope.SALE or not tax.active:
                    raise ValidationFailed(
                        f"{where}.taxes: {tax.name} is not an active sales tax",
                        code="tax.scope_mismatch",
                        field=f"{where}.taxes",
                    )
        else:
            taxes = list(defaults.get(product.pk, []))
        description = text(line.get("description"), field=f"{where}.description", max_length=500)
        built.append(
            (
                SalesOrderLine(
                    company=company,
                    order=order,
                    sequence=(index + 1) * 10,
                    product=product,
                    description=description or product.name[:500],
                    quantity=quantity,
                    uom=uom,
                    unit_price=price,
                    price_floor=floor,
                    discount=discount,
                    invoice_policy=policies[product.pk],
                ),
                taxes,
                quote.price_list_id,
            )
        )
    return built


def _compute(company, currency: str, rows: list, *, rounding=None) -> object:
    """`rows`: (line, taxes) pairs; the line amounts are filled in, the computation returned."""
    rounding = rounding or accounting_settings(company).tax_rounding
    figures = taxes_compute(
        [
            {
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes,
            }
            for line, taxes in rows
        ],
        currency=currency,
        rounding=rounding,
    )
    for (line, _taxes), fig in zip(rows, figures.lines, strict=True):
        line.untaxed_amount, line.tax_amount, line.total_amount = fig.untaxed, fig.tax, fig.total
    return figures


def _write_lines(order: SalesOrder, built: list, *, user) -> None:
    SalesOrderLine.objects.filter(order=order).delete()
    _totals(order, built)
    _insert_lines(order, built, user=user)


def _totals(order: SalesOrder, built: list, *, rounding=None) -> None:
    """The lines' amounts and the order's totals (and its price list), nothing written."""
    rows = [(line, taxes) for line, taxes, _list in built]
    figures = _compute(order.company, order.currency_id, rows, rounding=rounding)
    if order.price_list_id is None:
        order.price_list_id = next((pl for _l, _t, pl in built if pl), None)
    order.untaxed_amount = figures.untaxed
    order.tax_amount = figures.tax
    order.total_amount = figures.total


def _insert_lines(order: SalesOrder, built: list, *, user) -> None:
    rows = [(line, taxes) for line, taxes, _list in built]
    for line, _taxes in rows:
        line.order = order  # the order has its primary key now
    lines = SalesOrderLine.objects.bulk_create([line for line, _ in rows])
    if lines and lines[0].pk is None:  # backends without RETURNING
        lines = list(SalesOrderLine.objects.filter(order=order).order_by("sequence", "pk"))
    through = SalesOrderLine.taxes.through
    through.objects.bulk_create(
        [
            through(salesorderline_id=line.pk, tax_id=tax.pk)
            for line, (_l, taxes) in zip(lines, rows, strict=True)
            for tax in taxes
        ]
    )
    below = [line for line in lines if net_price(line.unit_price, line.discount) < line.price_floor]
    if below and user is not None:
        SalesOrderLog.objects.bulk_create(
            [
                SalesOrderLog(
                    company_id=order.company_id,
                    order=order,
                    action="price_below_floor",
                    detail=f"{line.product.sku}: "
                    f"{net_price(line.unit_price, line.discount):.6f} < {line.price_floor}",
                    user=user,
                )
                for line in below
            ]
        )


# -- header --------------------------------------------------------------------------------


def _clean_header(company, data: dict, order: SalesOrder) -> None:
    if "party" in data:
        party = data["party"]
        if not isinstance(party, Party) or party.company_id != company.pk:
            raise InvalidReference("party: no such customer", field="party")
        if not party.active:
            raise ValidationFailed("party: archived", code="party.inactive", field="party")
        order.party = party
    for name, model in (
        ("invoice_address", Address),
        ("delivery_address", Address),
        ("payment_term", PaymentTerm),
    ):
        if name in data:
            value = data[name]
            if value is not None and not isinstance(value, model):
                raise InvalidReference(f"{name}: no such record", field=name)
            check_company(company, value, field=name)
            if isinstance(value, Address) and value.party_id != order.party_id:
                raise InvalidReference(f"{name}: not an address of the customer", field=name)
            setattr(order, name, value)
    if "price_list" in data:
        check_company(company, data["price_list"], field="price_list")
        order.price_list = data["price_list"]
    if "salesperson" in data:
        order.salesperson = data["salesperson"]
    if "currency" in data and data["currency"] is not None:
        code = getattr(data["currency"], "code", data["currency"])
        code = str(code).upper()
        if not Currency.objects.filter(code=code).exists():
            raise ValidationFailed(
                f"Unknown currency {code}", code="currency.unknown", field="currency"
            )
        order.currency_id = code
    for name, limit in (("channel", 30), ("external_reference", 100), ("note", 10_000)):
        if name in data:
            setattr(order, name, text(data[name], field=name, max_length=limit))
    if data.get("prepaid") is not None:  # None: follow the payment term
        if not isinstance(data["prepaid"], bool):
            raise ValidationFailed(
                "prepaid: true or false", code="validation.boolean", field="prepaid"
            )
        order.prepaid = data["prepaid"]
    elif "payment_term" in data:
        order.prepaid = term_is_immediate(order.payment_term_id)
    if "language" in data:
        if data["language"] not in LANGUAGES:
            raise ValidationFailed(
                "language: en or zh-hans", code="validation.choice", field="language"
            )
        order.language = data["language"] or ""
    for name in ("order_date", "validity_date", "commitment_date"):
        if name in data:
            value = data[name]
            if value is not None and not isinstance(value, date_type):
                raise ValidationFailed(f"{name}: not a date", field=name)
            setattr(order, name, value)
    if order.order_date is None:
        order.order_date = company_today(company)


def _check_reference(order: SalesOrder) -> None:
    if not order.external_reference:
        return
    existing = (
        SalesOrder.objects.filter(
            company_id=order.company_id,
            channel=order.channel,
            external_reference=order.external_reference,
        )
        .exclude(pk=order.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if existing:
        raise DuplicateReference(
            f"Channel {order.channel or '-'} already has order {order.external_reference}",
            field="external_reference",
            extra={"existing_id": existing},
        )


def _save_new(order: SalesOrder) -> None:
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        _check_reference(order)  # names the concurrent duplicate
        raise


@transaction.atomic
def sales_order_create(
    *, company, party: Party, lines: Iterable[Mapping] = (), user=None, **fields
) -> SalesOrder:
    """A quotation (draft) numbered SQ/<year>/<n>; prices from `price_for` unless given."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    order = SalesOrder(company=company, created_by=user if getattr(user, "pk", None) else None)
    _clean_header(company, {"party": party, **fields}, order)
    if "currency" not in fields or fields["currency"] is None:
        order.currency_id = party.currency_id
    if "payment_term" not in fields:
        order.payment_term_id = party.payment_term_id
        if fields.get("prepaid") is None:
            order.prepaid = term_is_immediate(order.payment_term_id)
    if "salesperson" not in fields and getattr(user, "pk", None):
        order.salesperson = user
    _check_reference(order)
    built = _build_lines(order, lines, user=user)
    order.quotation_number = sequence_next(
        company=company, code="SQ", on_date=order.order_date, prefix="SQ/{year}/"
    )
    _totals(order, built)  # a new order is written once, with its totals
    _save_new(order)
    _insert_lines(order, built, user=user)
    return order


@transaction.atomic
def sales_order_update(*, order: SalesOrder, user=None, lines=UNSET, **fields) -> SalesOrder:
    """Change a quotation; `lines`, when given, replace all lines (prices quoted again)."""
    unknown = set(fields) - set(ORDER_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    locked = lock_order(order)
    if not locked.is_draft:
        raise NotDraft(f"{locked} is confirmed; cancel it or create a new quotation")
    fields = {k: v for k, v in fields.items() if v is not UNSET}
    _clean_header(locked.company, fields, locked)
    _check_reference(locked)
    if lines is UNSET and {"party", "currency", "order_date"} & set(fields):
        # prices depend on them: quote the same lines again at the current inputs
        lines = [
            {
                "product": li.product,
                "description": li.description,
                "quantity": li.quantity,
                "uom": li.uom,
                "discount": li.discount,
                "taxes": list(li.taxes.all()),
            }
            for li in locked.lines.select_related("product", "uom").prefetch_related("taxes")
        ]
    if lines is not UNSET:
        _write_lines(locked, _build_lines(locked, lines, user=user), user=user)
    locked.save()
    return locked


@transaction.atomic
def sales_order_delete(*, order: SalesOrder) -> None:
    locked = lock_order(order)
    if not locked.is_draft:
        raise NotDraft(f"{locked} is not a quotation; cancel it instead")
    locked.delete()


# -- send ----------------------------------------------------------------------------------


@transaction.atomic
def sales_order_send(
    *, order: SalesOrder, user=None, to: str | None = None, email: bool = True
) -> SalesOrder:
    """Mark the quotation sent and email its PDF after commit (console backend by default).

    `email=False` only marks it: the CRM's document composer sends its own message.
    """
    from .documents import send_after_commit

    locked = lock_order(order)
    transition(locked, OrderState.SENT)
    if not locked.lines.exists():
        raise NoLines("A quotation without lines cannot be sent", field="lines")
    recipient = text(to if to is not None else locked.party.email, field="to", max_length=254)
    if email and not recipient:
        raise ValidationFailed(
            "The customer has no email address", code="sales.no_email", field="to"
        )
    now = timezone.now()
    SalesOrder.objects.filter(pk=locked.pk).update(
        state=OrderState.SENT, sent_at=now, updated_at=now
    )
    locked.refresh_from_db()
    if email:
        send_after_commit(order_id=locked.pk, to=recipient)
    return locked


# -- confirm -------------------------------------------------------------------------------


def open_receivables(company, party) -> Decimal:
    """Posted customer invoices' residual in the company currency, less open credit notes."""
    rows = Invoice.objects.filter(company=company, party=party, state=InvoiceState.POSTED)
    due = rows.filter(kind=InvoiceKind.CUSTOMER_INVOICE).aggregate(s=Sum("residual_company"))["s"]
    credit = rows.filter(kind=InvoiceKind.CUSTOMER_CREDIT_NOTE).aggregate(
        s=Sum("residual_company")
    )["s"]
    return (due or ZERO) - (credit or ZERO)


def _in_company_currency(order: SalesOrder) -> Decimal:
    company = order.company
    if order.currency_id == company.currency_id:
        return order.total_amount
    rate = exchange_rate_for(company=company, currency=order.currency_id, on_date=order.order_date)
    return quantize_money(order.total_amount * rate, company.currency_id)


def _log(order, action: str, detail: str, user) -> None:
    SalesOrderLog.objects.create(
        company_id=order.company_id,
        order=order,
        action=action,
        detail=detail[:500],
        user=user if getattr(user, "pk", None) else None,
    )


def exception_open(*, order, kind: str, detail: str = "", stage: str = "", owner=None):
    """Open an exception unless one of the kind (and stage) is already open for the order."""
    existing = OrderException.objects.filter(order=order, kind=kind, state=ExceptionState.OPEN)
    if kind == ExceptionKind.SLA_BREACH:
        existing = OrderException.objects.filter(order=order, kind=kind, stage=stage)
    found = existing.first()
    if found is not None:
        return found
    return OrderException.objects.create(
        company_id=order.company_id,
        order=order,
        kind=kind,
        stage=stage,
        detail=detail[:500],
        owner=owner or order.salesperson,
    )


def _confirm_locked(locked: SalesOrder, *, user, override_credit: bool):
    """Confirm under the order's lock; returns the credit-hold exception instead, if any."""
    company = locked.company
    transition(locked, OrderState.CONFIRMED)
    lines = list(locked.lines.select_related("product", "uom").order_by("sequence", "pk"))
    if not lines:
        raise NoLines("An order without lines cannot be confirmed", field="lines")
    party = Party.objects.select_for_update().get(pk=locked.party_id)  # one check at a time
    locked.party = party  # the delivery and the events read it from the order
    limit = party.credit_limit
    if limit and limit > 0:
        exposure = open_receivables(company, party) + _in_company_currency(locked)
        if exposure > limit:
            detail = f"open receivables + this order = {exposure} > limit {limit}"
            if override_credit:
                if not may(user, company, PERM_CREDIT):
                    raise Forbidden(
                        "Missing permission to override the credit limit",
                        code="permission.denied",
                    )
                _log(locked, "credit_override", detail, user)
            else:
                SalesOrder.objects.filter(pk=locked.pk).update(on_hold=True)
                return exception_open(order=locked, kind=ExceptionKind.CREDIT_HOLD, detail=detail)
    now = timezone.now()
    locked.number = sequence_next(
        company=company, code="SO", on_date=locked.order_date, prefix="SO/{year}/"
    )
    locked.state = OrderState.CONFIRMED
    locked.confirmed_at = now
    locked.on_hold = False
    locked.save()
    OrderException.objects.filter(
        order=locked, kind=ExceptionKind.CREDIT_HOLD, state=ExceptionState.OPEN
    ).update(
        state=ExceptionState.RESOLVED,
        resolved_at=now,
        resolved_by=user if getattr(user, "pk", None) else None,
        resolution_note="credit limit overridden" if override_credit else "confirmed",
        updated_at=now,
    )
    stage_record(order=locked, stage=Stage.RECEIVED, user=user, at=now)
    if is_prepaid(locked):
        # the customer pays first, so the invoice is for what was ordered, before delivery
        SalesOrderLine.objects.filter(order=locked).update(invoice_policy=InvoicePolicy.ORDERED)
    stock.reserve_for_order(order=locked, lines=lines, user=user)
    order_refresh(order=locked)
    return None


@transaction.atomic
def _confirm(order: SalesOrder, *, user, override_credit: bool):
    locked = lock_order(order)
    hold = _confirm_locked(locked, user=user, override_credit=override_credit)
    if hold is None:
        events.publish(
            "sales_order.confirmed",
            order_id=locked.pk,
            company_id=locked.company_id,
            number=locked.number,
            party_id=locked.party_id,
            total=str(locked.total_amount),
            currency=locked.currency_id,
        )
    return locked, hold


def sales_order_confirm(
    *, order: SalesOrder, user=None, override_credit: bool = False
) -> SalesOrder:
    """Check the credit limit, number the order SO/<year>/<n>, reserve stock.

    Over the limit, the order goes on hold with a credit_hold exception — kept — and the
    call answers `credit.limit_exceeded`; a user allowed to override passes
    `override_credit=True` (logged).
    """
    locked, hold = _confirm(order, user=user, override_credit=override_credit)
    if hold is not None:
        raise CreditLimitExceeded(
            f"{locked}: {hold.detail}",
            extra={"exception_id": hold.pk, "order_id": locked.pk},
        )
    return locked


# -- cancel --------------------------------------------------------------------------------


@transaction.atomic
def sales_order_cancel(*, order: SalesOrder, user=None, reason: str = "") -> SalesOrder:
    """Cancel and release the reservations; refused once anything shipped (`sales.shipped`)."""
    locked = lock_order(order)
    transition(locked, OrderState.CANCELLED)
    if stock.shipped_anything(locked) or locked.lines.filter(qty_delivered__gt=0).exists():
        raise OrderShipped(f"{locked} has shipped goods; return them instead")
    if locked.lines.filter(qty_invoiced__gt=0).exists():
        raise OrderShipped(f"{locked} is invoiced; credit the invoice first", code="sales.invoiced")
    stock.cancel_for_order(order=locked)
    now = timezone.now()
    locked.state = OrderState.CANCELLED
    locked.on_hold = False
    locked.save()
    OrderException.objects.filter(order=locked, state=ExceptionState.OPEN).update(
        state=ExceptionState.RESOLVED,
        resolved_at=now,
        resolution_note=text(reason, field="reason", max_length=500) or "order cancelled",
        resolved_by=user if getattr(user, "pk", None) else None,
        updated_at=now,
    )
    _log(locked, "cancelled", reason, user)
    # a cancelled order has nothing left to deliver, invoice or collect
    return order_refresh(order=locked)


# -- invoice -------------------------------------------------------------------------------


@transaction.atomic
def sales_order_invoice(
    *,
    orders: Iterable[SalesOrder],
    user=None,
    date: date_type | None = None,
    quantities: Mapping[int, Decimal] | None = None,
    post: bool = False,
) -> Invoice:
    """One customer invoice for what the orders' lines allow by their policy.

    `quantities` (line id -> quantity) invoices less; more than allowed is refused
    (`sales.overinvoiced`) and nothing changes.
    """
    from tandem.accounting.services.invoices import invoice_create

    orders = list(orders)
    if not orders:
        raise ValidationFailed("Choose at least one order", field="orders")
    locked = list(lock(SalesOrder, [o.pk for o in orders]).values())
    first = locked[0]
    company = first.company
    for order in locked:
        if order.state not in (OrderState.CONFIRMED, OrderState.DONE):
            transition(order, OrderState.DONE)  # answers the invalid transition
        if order.on_hold:
            raise OnHold(f"{order} is on credit hold")
        if (order.company_id, order.party_id, order.currency_id) != (
            first.company_id,
            first.party_id,
            first.currency_id,
        ):
            raise ValidationFailed(
                "Orders invoiced together need the same customer and currency",
                code="sales.invoice_mixed",
                field="orders",
            )
    line_ids = list(SalesOrderLine.objects.filter(order__in=locked).values_list("pk", flat=True))
    lock(SalesOrderLine, line_ids)
    sync_invoiced(line_ids)  # a deleted draft invoice gives its quantities back
    lines = list(SalesOrderLine.objects.filter(pk__in=line_ids))
    lines.sort(key=lambda li: (li.order_id, li.sequence, li.pk))
    quantities = {int(k): v for k, v in (quantities or {}).items()}
    unknown = set(quantities) - {li.pk for li in lines}
    if unknown:
        raise InvalidReference(
            f"quantities: no line {min(unknown)} on these orders", field="quantities"
        )
    chosen = []
    for line in lines:
        allowed = line.qty_to_invoice
        if line.pk in quantities:
            qty = number(quantities[line.pk], field=f"quantities.{line.pk}", places=4, minimum=ZERO)
            if qty > allowed:
                raise Overinvoiced(
                    f"{line.description}: {qty} asked, {allowed} may be invoiced",
                    field=f"quantities.{line.pk}",
                    extra={"line": line.pk, "allowed": str(allowed)},
                )
        else:
            qty = allowed
        if qty > 0:
            chosen.append((line, qty))
    if not chosen:
        raise NothingToInvoice("Nothing left to invoice on these orders")
    taxes = {}
    for row in SalesOrderLine.taxes.through.objects.filter(
        salesorderline_id__in=[li.pk for li, _ in chosen]
    ).select_related("tax"):
        taxes.setdefault(row.salesorderline_id, []).append(row.tax)
    products = {p.pk: p for p in Product.objects.filter(pk__in={li.product_id for li, _ in chosen})}
    uoms = {u.pk: u for u in Uom.objects.filter(pk__in={li.uom_id for li, _ in chosen})}
    invoice = invoice_create(
        company=company,
        kind=InvoiceKind.CUSTOMER_INVOICE,
        party=first.party,
        date=date or company_today(company),
        currency=first.currency_id,
        payment_term=first.payment_term,
        origin=", ".join(str(o) for o in locked)[:100],
        language=first.language,
        user=user,
        post=post,
        lines=[
            {
                "product": products[line.product_id],
                "description": line.description,
                "quantity": qty,
                "uom": uoms[line.uom_id],
                "unit_price": line.unit_price,
                "discount": line.discount,
                "taxes": taxes.get(line.pk, []),
                "origin_line": f"{ORIGIN_PREFIX}{line.pk}",
            }
            for line, qty in chosen
        ],
    )
    now = timezone.now()
    for line, qty in chosen:
        line.qty_invoiced = line.qty_invoiced + qty
        line.updated_at = now
    rows_update(SalesOrderLine, [li for li, _ in chosen], ["qty_invoiced", "updated_at"])
    for order in locked:
        order.invoices.add(invoice)
    for order in locked:
        order_refresh(order=order)
    return invoice


# -- derived statuses ----------------------------------------------------------------------


def order_refresh(*, order: SalesOrder) -> SalesOrder:
    """Recompute delivery, invoice and payment status (and done) from lines and invoices."""
    lines = list(
        SalesOrderLine.objects.filter(order_id=order.pk).values(
            "quantity", "qty_delivered", "qty_invoiced", "invoice_policy", "product__type"
        )
    )
    stocked = [li for li in lines if li["product__type"] != "service"]
    if order.state in (OrderState.DRAFT, OrderState.SENT, OrderState.CANCELLED) or not stocked:
        delivery = DeliveryStatus.NOTHING
    elif all(li["qty_delivered"] >= li["quantity"] for li in stocked):
        delivery = DeliveryStatus.DELIVERED
    elif any(li["qty_delivered"] > 0 for li in stocked):
        delivery = DeliveryStatus.PARTIAL
    else:
        delivery = DeliveryStatus.PENDING

    def basis(li):
        if li["invoice_policy"] == InvoicePolicy.ORDERED:
            return li["quantity"]
        return li["qty_delivered"]

    if order.state in (OrderState.DRAFT, OrderState.SENT, OrderState.CANCELLED):
        invoicing = InvoiceStatus.NOTHING
    elif all(li["qty_invoiced"] >= li["quantity"] for li in lines):
        invoicing = InvoiceStatus.INVOICED
    elif any(basis(li) > li["qty_invoiced"] for li in lines):
        invoicing = (
            InvoiceStatus.PARTIAL
            if any(li["qty_invoiced"] > 0 for li in lines)
            else InvoiceStatus.TO_INVOICE
        )
    else:
        invoicing = (
            InvoiceStatus.PARTIAL
            if any(li["qty_invoiced"] for li in lines)
            else (InvoiceStatus.NOTHING)
        )
    totals = Invoice.objects.filter(
        sales_orders=order.pk,
        kind=InvoiceKind.CUSTOMER_INVOICE,
        state=InvoiceState.POSTED,
    ).aggregate(total=Sum("total_amount"), residual=Sum("residual_amount"))
    total, residual = totals["total"] or ZERO, totals["residual"] or ZERO
    if total <= 0 or residual >= total:
        payment = PaymentStatus.NOT_PAID
    elif residual > 0:
        payment = PaymentStatus.PARTIAL
    else:
        payment = PaymentStatus.PAID
    if (
        payment == PaymentStatus.PAID
        and invoicing == InvoiceStatus.INVOICED
        and order.state in (OrderState.CONFIRMED, OrderState.DONE)
    ):
        if is_prepaid(order):
            stage_record(order=order, stage=Stage.PAYMENT_VERIFIED)
        # the money came in: an overdue-payment exception has nothing left to chase
        now = timezone.now()
        OrderException.objects.filter(
            order_id=order.pk, kind=ExceptionKind.PAYMENT_OVERDUE, state=ExceptionState.OPEN
        ).update(
            state=ExceptionState.RESOLVED,
            resolution_note="paid",
            resolved_at=now,
            updated_at=now,
        )
    state = order.state
    if (
        state == OrderState.CONFIRMED
        and delivery in (DeliveryStatus.DELIVERED, DeliveryStatus.NOTHING)
        and invoicing == InvoiceStatus.INVOICED
    ):
        state = OrderState.DONE
    SalesOrder.objects.filter(pk=order.pk).update(
        delivery_status=delivery,
        invoice_status=invoicing,
        payment_status=payment,
        state=state,
        updated_at=timezone.now(),
    )
    order.delivery_status, order.invoice_status, order.payment_status = delivery, invoicing, payment
    order.state = state
    return order


def orders_refresh_for_invoices(invoice_ids: Iterable[int]) -> int:
    orders = list(SalesOrder.objects.filter(invoices__in=list(invoice_ids)).distinct())
    for order in orders:
        with transaction.atomic():
            order_refresh(order=lock_order(order))
    return len(orders)


ORIGIN_PREFIX = "sales.line:"


def sync_invoiced(line_ids: Iterable[int]) -> None:
    """Lines' invoiced quantities from the invoice lines that name them (set-based).

    Draft and posted invoices count; cancelled or deleted ones give their quantity back,
    posted credit notes of the line take it back.
    """
    from tandem.accounting.models import InvoiceLine

    ids = list(line_ids)
    if not ids:
        return
    keys = {f"{ORIGIN_PREFIX}{pk}": pk for pk in ids}
    totals = {pk: ZERO for pk in ids}
    rows = (
        InvoiceLine.objects.filter(origin_line__in=list(keys))
        .filter(
            Q(invoice__kind=InvoiceKind.CUSTOMER_INVOICE, invoice__state__in=["draft", "posted"])
            | Q(invoice__kind=InvoiceKind.CUSTOMER_CREDIT_NOTE, invoice__state="posted")
        )
        .values_list("origin_line", "invoice__kind")
        .annotate(q=Sum("quantity"))
    )
    for origin, kind, qty in rows:
        sign = -1 if kind == InvoiceKind.CUSTOMER_CREDIT_NOTE else 1
        totals[keys[origin]] += sign * qty
    lines = list(SalesOrderLine.objects.filter(pk__in=ids))
    changed = []
    for line in lines:
        value = max(totals[line.pk], ZERO)
        if line.qty_invoiced != value:
            line.qty_invoiced = value
            line.updated_at = timezone.now()
            changed.append(line)
    if changed:
        rows_update(SalesOrderLine, changed, ["qty_invoiced", "updated_at"])


def qty_invoiced_release(*, invoice_id: int) -> None:
    from tandem.accounting.models import InvoiceLine

    origins = InvoiceLine.objects.filter(
        invoice_id=invoice_id, origin_line__startswith=ORIGIN_PREFIX
    ).values_list("origin_line", flat=True)
    ids = [int(o[len(ORIGIN_PREFIX) :]) for o in origins if o[len(ORIGIN_PREFIX) :].isdigit()]
    sync_invoiced(ids)


def sales_order_preview(*, company, party: Party, lines: Iterable[Mapping], user=None, **fields):
    """The figures a quotation would have, nothing saved (the order form's live totals)."""
    order = SalesOrder(company=company)
    _clean_header(company, {"party": party, **fields}, order)
    if not fields.get("currency"):
        order.currency_id = party.currency_id
    built = _build_lines(order, lines, user=user)
    rows = [(line, taxes) for line, taxes, _list in built]
    figures = _compute(company, order.currency_id, rows)
    return [line for line, _ in rows], figures
