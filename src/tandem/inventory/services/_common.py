"""Helpers the inventory services share: the one lock helper, input checks, conversions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db.models import Model, Q

from tandem.catalog.errors import UomIncompatible
from tandem.catalog.services import uom_factor
from tandem.core.errors import ValidationFailed
from tandem.core.money import quantize_quantity, to_decimal
from tandem.core.services import UNSET  # noqa: F401  (re-exported: the one marker of core)

from ..errors import InvalidReference, NoConversion
from ..models import ProductStock, StockLevel

QTY_LIMIT = Decimal(10) ** 15

LevelKey = tuple[int, int, int | None]  # product id, location id, lot id


def lock(model: type[Model], pks: Iterable[int], *, related: tuple = ()) -> dict[int, Model]:
    """Rows of `model` locked FOR UPDATE, always taken in primary-key order.

    Every service of the app locks through here (transfers, then levels, then product
    valuation rows, then layers), so transactions needing the same rows queue instead of
    deadlocking. Check states on what this returns, never on the caller's instance.
    `related` names foreign keys read in the same statement (only the rows of `model` are
    locked, not the related ones).
    """
    ids = sorted(set(pks))
    if not ids:
        return {}
    rows = model._default_manager.select_for_update(**({"of": ("self",)} if related else {}))
    if related:
        rows = rows.select_related(*related)
    rows = rows.filter(pk__in=ids).order_by("pk")
    return {row.pk: row for row in rows}


def lock_one(model: type[Model], pk: int, *, label: str, related: tuple = ()):
    from tandem.core.errors import NotFound

    row = lock(model, [pk], related=related).get(pk)
    if row is None:
        raise NotFound(f"No {label} with id {pk}", code=f"{label}.not_found")
    return row


def _key_filter(keys: Iterable[LevelKey]) -> Q:
    condition = Q(pk__in=[])
    for product_id, location_id, lot_id in keys:
        condition |= Q(product_id=product_id, location_id=location_id, lot_id=lot_id)
    return condition


def product_stocks(company, product_ids: Iterable[int]) -> dict[int, ProductStock]:
    """The products' stock rows, created when missing (unlocked)."""
    ids = set(product_ids)
    found = {p.product_id: p for p in ProductStock.objects.filter(product_id__in=ids)}
    missing = ids - set(found)
    if missing:
        ProductStock.objects.bulk_create(
            [ProductStock(company=company, product_id=pid) for pid in sorted(missing)],
            ignore_conflicts=True,  # a concurrent transaction may create the same row
        )
        found = {p.product_id: p for p in ProductStock.objects.filter(product_id__in=ids)}
    return found


def ensure_levels(company, keys: Iterable[LevelKey]) -> None:
    """Create the missing level rows of `keys` (empty; unlocked)."""
    keys = set(keys)
    if not keys:
        return
    existing = set(
        StockLevel.objects.filter(_key_filter(keys)).values_list("product", "location", "lot")
    )
    missing = keys - existing
    if not missing:
        return
    negative = dict(
        ProductStock.objects.filter(product_id__in={k[0] for k in missing}).values_list(
            "product_id", "allow_negative"
        )
    )
    StockLevel.objects.bulk_create(
        [
            StockLevel(
                company=company,
                product_id=p,
                location_id=loc,
                lot_id=lot,
                allow_negative=negative.get(p, False),
            )
            for p, loc, lot in sorted(missing, key=lambda k: (k[0], k[1], k[2] or 0))
        ],
        ignore_conflicts=True,  # a concurrent transaction may create the same level
    )


def lock_levels(
    company, keys: Iterable[LevelKey], *, extra_pks: Iterable[int] = ()
) -> dict[LevelKey, StockLevel]:
    """THE lock helper for stock levels: create missing rows, then lock all in pk order."""
    keys = set(keys)
    ensure_levels(company, keys)
    pks = set(extra_pks)
    if keys:
        pks |= set(StockLevel.objects.filter(_key_filter(keys)).values_list("pk", flat=True))
    locked = lock(StockLevel, pks)
    return {(lv.product_id, lv.location_id, lv.lot_id): lv for lv in locked.values()}


def quantity(value, *, field: str, places: int = 6, positive: bool = False) -> Decimal:
    """A quantity rounded to its unit's places; refused when not a finite number ≥ 0."""
    try:
        number = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not number.is_finite():
        raise ValidationFailed(f"{field}: not a number", field=field)
    if number < 0 or (positive and number == 0):
        raise ValidationFailed(
            f"{field} must be {'greater than' if positive else 'at least'} 0",
            code="validation.min_value",
            field=field,
        )
    if number >= QTY_LIMIT:
        raise ValidationFailed(f"{field}: too large", code="validation.max_value", field=field)
    rounded = quantize_quantity(number, places)
    if positive and rounded == 0:
        raise ValidationFailed(
            f"{field} rounds to 0 in its unit", code="validation.min_value", field=field
        )
    return rounded


def conversion(*, from_uom, to_uom, field: str) -> Decimal:
    """How many `to_uom` one `from_uom` makes; `uom.no_conversion` across categories."""
    try:
        return uom_factor(from_uom=from_uom, to_uom=to_uom)
    except UomIncompatible:
        raise NoConversion(
            f"{field}: {from_uom.name} does not convert to {to_uom.name}", field=field
        ) from None


def check_company(company, obj, *, field: str) -> None:
    if obj is not None and obj.company_id != company.pk:
        raise InvalidReference(f"{field}: no such record in this company", field=field)


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
