"""Price lists and their items."""

from __future__ import annotations

from datetime import date as date_type
from decimal import Decimal

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from tandem.core.errors import Duplicate, ValidationFailed
from tandem.core.models import Currency
from tandem.core.money import quantize_price

from ..errors import InUse, InvalidReference
from ..models import (
    PriceList,
    PriceListItem,
    Product,
)
from ._common import UNSET, _check_range, _decimal, _text


def _item_rows(company, items, *, prefix: str = "items") -> list[PriceListItem]:
    rows = []
    for index, item in enumerate(items):
        where = f"{prefix}.{index}." if prefix else ""
        product = item.get("product")
        if product is None:
            raise ValidationFailed(
                "product is required", code="validation.required", field=f"{where}product"
            )
        if product.company_id != company.pk:
            raise InvalidReference(
                "product: no such record in this company", field=f"{where}product"
            )
        min_quantity = _decimal(item.get("min_quantity", 0), field=f"{where}min_quantity")
        unit_price = _decimal(item.get("unit_price"), field=f"{where}unit_price")
        min_quantity, unit_price = quantize_price(min_quantity), quantize_price(unit_price)
        valid_from, valid_to = item.get("valid_from"), item.get("valid_to")
        _check_range(valid_from, valid_to, field=f"{where}valid_to")
        rows.append(
            PriceListItem(
                company=company,
                product=product,
                min_quantity=min_quantity,
                unit_price=unit_price,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
    return rows


def _currency_code(currency) -> str:
    code = getattr(currency, "code", currency) or ""
    code = str(code).strip().upper()
    if not Currency.objects.filter(code=code).exists():
        raise ValidationFailed(
            f"Unknown currency {code}", code="currency.unknown", field="currency"
        )
    return code


def _release_default(price_list: PriceList) -> None:
    """Only one default list per company and currency: the new one takes over."""
    if not price_list.is_default:
        return
    others = (
        PriceList.objects.select_for_update()
        .filter(
            company_id=price_list.company_id, currency_id=price_list.currency_id, is_default=True
        )
        .exclude(pk=price_list.pk)
        .order_by("pk")
    )
    ids = [p.pk for p in others]
    if ids:
        PriceList.objects.filter(pk__in=ids).update(is_default=False, updated_at=timezone.now())


def _price_list_check(price_list: PriceList) -> None:
    price_list.name = _text(price_list.name, field="name", max_length=100)
    _check_range(price_list.valid_from, price_list.valid_to)
    clash = (
        PriceList.objects.filter(company_id=price_list.company_id, name__iexact=price_list.name)
        .exclude(pk=price_list.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if clash:
        raise Duplicate(
            f"A price list named {price_list.name} exists",
            code="price_list.duplicate",
            field="name",
            extra={"existing_id": clash},
        )


def _check_parties(company, parties) -> list:
    parties = list(parties)
    for party in parties:
        if party.company_id != company.pk:
            raise InvalidReference("parties: no such record in this company", field="parties")
    return parties


@transaction.atomic
def price_list_create(
    *,
    company,
    name: str,
    currency=None,
    active: bool = True,
    is_default: bool = False,
    parties=(),
    valid_from: date_type | None = None,
    valid_to: date_type | None = None,
    items=(),
) -> PriceList:
    """`items`: dicts with product, min_quantity, unit_price, valid_from, valid_to."""
    price_list = PriceList(
        company=company,
        name=name,
        currency_id=_currency_code(currency or company.currency_id),
        active=active,
        is_default=is_default,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    _price_list_check(price_list)
    parties = _check_parties(company, parties)
    rows = _item_rows(company, items)
    _release_default(price_list)
    price_list.save()
    price_list.parties.set(parties)
    for row in rows:
        row.price_list = price_list
    bulk_create_with_history(rows, PriceListItem)
    return price_list


@transaction.atomic
def price_list_update(
    *,
    price_list: PriceList,
    name=UNSET,
    currency=UNSET,
    active=UNSET,
    is_default=UNSET,
    parties=UNSET,
    valid_from=UNSET,
    valid_to=UNSET,
    items=UNSET,
) -> PriceList:
    """`items`, when given, replaces every item of the list."""
    company = price_list.company
    if name is not UNSET:
        price_list.name = name
    if currency is not UNSET:
        price_list.currency_id = _currency_code(currency)
    if active is not UNSET:
        price_list.active = bool(active)
    if is_default is not UNSET:
        price_list.is_default = bool(is_default)
    if valid_from is not UNSET:
        price_list.valid_from = valid_from
    if valid_to is not UNSET:
        price_list.valid_to = valid_to
    _price_list_check(price_list)
    if parties is not UNSET:
        parties = _check_parties(company, parties)
    rows = _item_rows(company, items) if items is not UNSET else None
    _release_default(price_list)
    price_list.save()
    if parties is not UNSET:
        price_list.parties.set(parties)
    if rows is not None:
        price_list.items.all().delete()
        for row in rows:
            row.price_list = price_list
        bulk_create_with_history(rows, PriceListItem)
    return price_list


@transaction.atomic
def price_list_delete(*, price_list: PriceList) -> None:
    try:
        with transaction.atomic():
            price_list.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(
            f"{price_list.name} is used by other records; archive it instead",
            code="price_list.in_use",
        ) from None


@transaction.atomic
def price_list_item_add(
    *,
    price_list: PriceList,
    product: Product,
    unit_price,
    min_quantity=Decimal(0),
    valid_from: date_type | None = None,
    valid_to: date_type | None = None,
) -> PriceListItem:
    (row,) = _item_rows(
        price_list.company,
        [
            {
                "product": product,
                "min_quantity": min_quantity,
                "unit_price": unit_price,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        ],
        prefix="",
    )
    row.price_list = price_list
    row.save()
    return row


@transaction.atomic
def price_list_item_remove(*, item: PriceListItem) -> None:
    item.delete()
