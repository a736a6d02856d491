"""Product categories: a tree per company, never a cycle."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError

from tandem.core.errors import Duplicate

from ..errors import CategoryCycle, InUse
from ..models import (
    ProductCategory,
    Valuation,
)
from ._common import UNSET, _check_company, _choice, _text


def _category_name_taken(company, name, parent, exclude_pk=None) -> None:
    clash = (
        ProductCategory.objects.filter(company=company, name__iexact=name, parent=parent)
        .exclude(pk=exclude_pk)
        .first()
    )
    if clash:
        raise Duplicate(
            f"A category named {name} exists there",
            code="category.duplicate",
            field="name",
            extra={"existing_id": clash.pk},
        )


def _check_no_cycle(category: ProductCategory, parent: ProductCategory | None) -> None:
    if parent is None or category.pk is None:
        return
    parents = dict(
        ProductCategory.objects.filter(company_id=category.company_id).values_list(
            "id", "parent_id"
        )
    )
    node, seen = parent.pk, set()
    while node is not None and node not in seen:
        if node == category.pk:
            raise CategoryCycle(
                "A category cannot move under itself or one of its subcategories",
                field="parent",
            )
        seen.add(node)
        node = parents.get(node)


@transaction.atomic
def category_create(
    *, company, name: str, parent: ProductCategory | None = None, valuation: str | None = None
) -> ProductCategory:
    name = _text(name, field="name", max_length=100)
    _check_company(company, parent, field="parent")
    if valuation is None:
        valuation = parent.valuation if parent is not None else Valuation.STANDARD
    valuation = _choice(valuation, Valuation, field="valuation")
    _category_name_taken(company, name, parent)
    return ProductCategory.objects.create(
        company=company, name=name, parent=parent, valuation=valuation
    )


@transaction.atomic
def category_update(
    *, category: ProductCategory, name=UNSET, parent=UNSET, valuation=UNSET
) -> ProductCategory:
    if parent is not UNSET:
        _check_company(category.company, parent, field="parent")
        _check_no_cycle(category, parent)
        category.parent = parent
    if name is not UNSET:
        category.name = _text(name, field="name", max_length=100)
    if valuation is not UNSET:
        category.valuation = _choice(valuation, Valuation, field="valuation")
    _category_name_taken(category.company_id, category.name, category.parent, category.pk)
    category.save()
    return category


@transaction.atomic
def category_delete(*, category: ProductCategory) -> None:
    if category.children.exists() or category.products.exists():
        raise InUse(f"{category.name} still has subcategories or products", code="category.in_use")
    try:
        with transaction.atomic():
            category.delete()
    except (ProtectedError, RestrictedError):
        raise InUse(f"{category.name} is in use", code="category.in_use") from None
