"""Helpers the sales services share: the one lock helper, input checks, permissions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db.models import Model

from tandem.core.errors import InvalidReference, InvalidTransition, NotFound, ValidationFailed
from tandem.core.money import to_decimal
from tandem.core.services import (
    UNSET,  # noqa: F401  (re-exported: the one marker of core)
    user_permissions,
)
from tandem.parties.models import PaymentTerm

from ..models import ORDER_TRANSITIONS, OrderState, SalesOrder, Stage

PERM_PRICE_FLOOR = "sales.override_price_floor"
PERM_CREDIT = "sales.override_credit_limit"


def lock(model: type[Model], pks: Iterable[int]) -> dict[int, Model]:
    """Rows locked FOR UPDATE in primary-key order (no deadlocks by lock order).

    States are checked on what this returns, never on the caller's instance.
    """
    ids = sorted(set(pks))
    rows = model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def lock_order(order: SalesOrder) -> SalesOrder:
    row = lock(SalesOrder, [order.pk]).get(order.pk)
    if row is None:
        raise NotFound(f"No sales order with id {order.pk}", code="salesorder.not_found")
    # the company row the caller already holds is the same (its code, currency and time
    # zone are not contested): reusing it saves a read on every step of the order
    company = order._state.fields_cache.get("company")
    if company is not None and company.pk == row.company_id:
        row.company = company
    return row


def transition(order: SalesOrder, to: str) -> None:
    """Check a move of the *locked* order against ORDER_TRANSITIONS."""
    if to not in ORDER_TRANSITIONS[OrderState(order.state)]:
        raise InvalidTransition(
            f"{order} is {OrderState(order.state).label}; it cannot become {OrderState(to).label}",
            code="sales.invalid_transition",
            extra={"state": order.state},
        )


def may(user, company, perm: str) -> bool:
    """A service called without a user is the system itself (imports, demo, benchmarks)."""
    if user is None:
        return True
    if getattr(user, "is_superuser", False):
        return True
    return perm in user_permissions(user, company)


def check_company(company, obj, *, field: str):
    if obj is not None and getattr(obj, "company_id", company.pk) != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)
    return obj


def text(value, *, field: str, max_length: int, required: bool = False) -> str:
    result = "" if value is None else str(value).strip()
    if "\x00" in result:
        raise ValidationFailed(f"{field}: NUL characters are not allowed", field=field)
    if required and not result:
        raise ValidationFailed(f"{field} is required", code="validation.required", field=field)
    if len(result) > max_length:
        raise ValidationFailed(
            f"{field}: at most {max_length} characters", code="validation.max_length", field=field
        )
    return result


def number(
    value, *, field: str, places: int, minimum=None, maximum=None, strict_min=False
) -> Decimal:
    try:
        result = to_decimal(value if value not in (None, "") else 0)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not result.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if minimum is not None and (result <= minimum if strict_min else result < minimum):
        word = "above" if strict_min else "at least"
        raise ValidationFailed(
            f"{field} must be {word} {minimum}", code="validation.min_value", field=field
        )
    if maximum is not None and result > maximum:
        raise ValidationFailed(
            f"{field} must be at most {maximum}", code="validation.max_value", field=field
        )
    # the size first: quantizing 1E+24 to 4 places needs more digits than the context holds
    if abs(result) >= Decimal(10) ** 13:
        raise ValidationFailed(f"{field}: too large", code="validation.max_value", field=field)
    if result != result.quantize(Decimal(1).scaleb(-places)):
        raise ValidationFailed(
            f"{field}: at most {places} decimal places", code="validation.precision", field=field
        )
    return result


def term_is_immediate(payment_term_id) -> bool:
    """A payment term due at once: an order on it is prepaid unless the user says otherwise."""
    if not payment_term_id:
        return False
    return (
        PaymentTerm.objects.filter(pk=payment_term_id).values_list("due_days", flat=True).first()
        == 0
    )


def is_prepaid(order: SalesOrder) -> bool:
    """Paid before it ships: the order's own flag (set from the term, editable in draft)."""
    return order.prepaid


def awaits_payment(order: SalesOrder) -> bool:
    """The one prepaid rule: a confirmed prepaid order ships only once its invoice is paid.

    Checked by the order's ship step and, through the `stock.transfer_before_done` hook, by
    a delivery validated from Inventory, so both ways refuse alike.
    """
    return (
        order.prepaid
        and order.state in (OrderState.CONFIRMED, OrderState.DONE)
        and not order.stage_events.filter(stage=Stage.PAYMENT_VERIFIED).exists()
    )
