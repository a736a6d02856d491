"""Units of measure: seeding, conversion, maintenance."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.money import quantize_quantity

from ..errors import InUse, UomIncompatible
from ..models import (
    QUANTITY_MAX_PLACES,
    Product,
    Uom,
    UomCategory,
    UomKind,
)
from ._common import UNSET, _check_company, _choice, _decimal, _text

# (category, kind, [(name, symbol, ratio to the reference unit, decimal places, reference)])
UOM_SEED = [
    (
        "Units",
        UomKind.UNITS,
        [("unit", "unit", Decimal(1), 0, True), ("dozen", "dz", Decimal(12), 2, False)],
    ),
    (
        "Weight",
        UomKind.WEIGHT,
        [
            ("kg", "kg", Decimal(1), 3, True),
            ("g", "g", Decimal("0.001"), 2, False),
            ("t", "t", Decimal(1000), 6, False),
        ],
    ),
    (
        "Length",
        UomKind.LENGTH,
        [
            ("m", "m", Decimal(1), 3, True),
            ("cm", "cm", Decimal("0.01"), 1, False),
            ("km", "km", Decimal(1000), 6, False),
        ],
    ),
    (
        "Time",
        UomKind.TIME,
        [
            ("hour", "h", Decimal(1), 2, True),
            # A *working* day of 8 hours, as services are billed; not a 24-hour calendar day.
            ("day", "d", Decimal(8), 2, False),
        ],
    ),
    (
        "Volume",
        UomKind.VOLUME,
        [("L", "L", Decimal(1), 3, True), ("mL", "mL", Decimal("0.001"), 1, False)],
    ),
]
DEFAULT_UOM_NAME = "unit"


@transaction.atomic
def uoms_seed(*, company) -> int:
    """Give `company` the standard units; safe to run again (adds only what is missing)."""
    categories = {c.name: c for c in UomCategory.objects.filter(company=company)}
    missing = [
        UomCategory(company=company, name=name, kind=kind)
        for name, kind, _units in UOM_SEED
        if name not in categories
    ]
    if missing:
        UomCategory.objects.bulk_create(missing)
        categories = {c.name: c for c in UomCategory.objects.filter(company=company)}
    existing = set(Uom.objects.filter(company=company).values_list("name", flat=True))
    with_reference = set(
        Uom.objects.filter(company=company, is_reference=True).values_list("category_id", flat=True)
    )
    new = []
    for cat_name, _kind, units in UOM_SEED:
        category = categories[cat_name]
        for name, symbol, ratio, places, is_reference in units:
            if name in existing or (is_reference and category.pk in with_reference):
                continue
            new.append(
                Uom(
                    company=company,
                    category=category,
                    name=name,
                    symbol=symbol,
                    ratio=ratio,
                    decimal_places=places,
                    is_reference=is_reference,
                )
            )
    Uom.objects.bulk_create(new)
    return len(missing) + len(new)


def on_company_created(event, company, **payload) -> None:
    """`core.events` hook: every new company starts with the standard units."""
    uoms_seed(company=company)


def uom_factor(*, from_uom: Uom, to_uom: Uom) -> Decimal:
    """How many `to_uom` one `from_uom` makes (exact, unrounded)."""
    if from_uom.category_id != to_uom.category_id:
        raise UomIncompatible(
            f"Cannot convert {from_uom.name} to {to_uom.name}: different categories",
            field="uom",
        )
    if from_uom.pk == to_uom.pk:
        return Decimal(1)
    return from_uom.ratio / to_uom.ratio


def uom_convert(*, quantity, from_uom: Uom, to_uom: Uom) -> Decimal:
    """`quantity` in `from_uom` expressed in `to_uom`, rounded to the target's places."""
    quantity = _decimal(quantity, field="quantity", minimum=None)
    return quantize_quantity(
        quantity * uom_factor(from_uom=from_uom, to_uom=to_uom), to_uom.decimal_places
    )


def default_uom(*, company) -> Uom:
    """The company's reference counting unit ("unit"), seeding the standard units if needed."""
    uom = (
        Uom.objects.filter(company=company, is_reference=True, category__kind=UomKind.UNITS)
        .order_by("id")
        .first()
    )
    if uom is None:
        uoms_seed(company=company)
        uom = Uom.objects.filter(company=company, name=DEFAULT_UOM_NAME).first()
    if uom is None:
        raise ValidationFailed("No unit of measure to default to", field="uom")
    return uom


def _ratio(value) -> Decimal:
    return quantize_quantity(_decimal(value, field="ratio"), 12)


def _uom_name_taken(company, name, exclude_pk=None) -> None:
    clash = Uom.objects.filter(company=company, name__iexact=name).exclude(pk=exclude_pk).first()
    if clash:
        raise Duplicate(
            f"A unit named {name} exists",
            code="uom.duplicate",
            field="name",
            extra={"existing_id": clash.pk},
        )


def _places(value) -> int:
    try:
        places = int(value)
    except (TypeError, ValueError):
        places = -1
    if not 0 <= places <= QUANTITY_MAX_PLACES:
        raise ValidationFailed(
            f"decimal_places must be 0..{QUANTITY_MAX_PLACES}", field="decimal_places"
        )
    return places


@transaction.atomic
def uom_category_create(
    *,
    company,
    name: str,
    kind: str = UomKind.OTHER,
    reference_name: str,
    reference_symbol: str = "",
    reference_places: int = 2,
) -> UomCategory:
    """A category always comes with its reference unit (ratio 1)."""
    name = _text(name, field="name", max_length=100)
    kind = _choice(kind, UomKind, field="kind")
    reference_name = _text(reference_name, field="reference_name", max_length=50)
    clash = UomCategory.objects.filter(company=company, name__iexact=name).first()
    if clash:
        raise Duplicate(
            f"A unit category named {name} exists",
            code="uom_category.duplicate",
            field="name",
            extra={"existing_id": clash.pk},
        )
    _uom_name_taken(company, reference_name)
    category = UomCategory.objects.create(company=company, name=name, kind=kind)
    Uom.objects.create(
        company=company,
        category=category,
        name=reference_name,
        symbol=_text(reference_symbol or reference_name, field="reference_symbol", max_length=20),
        ratio=Decimal(1),
        decimal_places=_places(reference_places),
        is_reference=True,
    )
    return category


@transaction.atomic
def uom_create(
    *,
    company,
    category: UomCategory,
    name: str,
    symbol: str = "",
    ratio,
    decimal_places: int = 2,
    active: bool = True,
) -> Uom:
    """A further unit of `category`; its reference unit is made with the category."""
    _check_company(company, category, field="category")
    name = _text(name, field="name", max_length=50)
    symbol = _text(symbol or name, field="symbol", max_length=20)
    ratio = _ratio(ratio)
    if ratio <= 0:
        raise ValidationFailed("ratio must be greater than 0", field="ratio")
    _uom_name_taken(company, name)
    return Uom.objects.create(
        company=company,
        category=category,
        name=name,
        symbol=symbol,
        ratio=ratio,
        decimal_places=_places(decimal_places),
        is_reference=False,
        active=active,
    )


@transaction.atomic
def uom_update(
    *, uom: Uom, name=UNSET, symbol=UNSET, ratio=UNSET, decimal_places=UNSET, active=UNSET
) -> Uom:
    """The category and the reference flag of a unit do not change; the reference keeps 1."""
    if name is not UNSET:
        uom.name = _text(name, field="name", max_length=50)
        _uom_name_taken(uom.company_id, uom.name, exclude_pk=uom.pk)
    if symbol is not UNSET:
        uom.symbol = _text(symbol, field="symbol", max_length=20)
    if ratio is not UNSET:
        ratio = _ratio(ratio)
        if ratio <= 0:
            raise ValidationFailed("ratio must be greater than 0", field="ratio")
        if uom.is_reference and ratio != 1:
            raise ValidationFailed(
                "The reference unit's ratio is 1", code="uom.reference_ratio", field="ratio"
            )
        uom.ratio = ratio
    if decimal_places is not UNSET:
        uom.decimal_places = _places(decimal_places)
    if active is not UNSET:
        if not active and uom.is_reference:
            raise ValidationFailed(
                "The reference unit cannot be archived", code="uom.reference", field="active"
            )
        uom.active = bool(active)
    uom.save()
    return uom


def _uom_in_use(uom: Uom) -> bool:
    return Product.objects.filter(Q(uom=uom) | Q(purchase_uom=uom)).exists()


@transaction.atomic
def uom_delete(*, uom: Uom) -> None:
    if _uom_in_use(uom):
        raise InUse(f"{uom.name} is used by products; archive it instead", code="uom.in_use")
    others = Uom.objects.filter(category_id=uom.category_id).exclude(pk=uom.pk)
    if uom.is_reference and others.exists():
        raise InUse(f"{uom.name} is the reference unit of its category", code="uom.in_use")
    try:
        with transaction.atomic():
            category_id = uom.category_id
            uom.delete()
            if not Uom.objects.filter(category_id=category_id).exists():
                UomCategory.objects.filter(pk=category_id).delete()
    except (ProtectedError, RestrictedError):
        raise InUse(f"{uom.name} is in use; archive it instead", code="uom.in_use") from None
