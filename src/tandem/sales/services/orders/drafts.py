"""Quotations: header, create, update, delete, send, and the form's live preview."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date as date_type

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.catalog.services.pricing import company_today
from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.models import Currency
from tandem.core.services import sequence_next
from tandem.parties.models import Address, Party, PaymentTerm

from ...errors import (
    DuplicateReference,
    NoLines,
    NotDraft,
)
from ...models import (
    OrderState,
    SalesOrder,
)
from .._common import (
    UNSET,
    check_company,
    lock_order,
    term_is_immediate,
    text,
    transition,
)
from .lines import _build_lines, _compute, _insert_lines, _totals, _write_lines

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
    from ..documents import send_after_commit

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
