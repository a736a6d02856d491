"""Default taxes of document lines: per product, per product category, per party rule.

A line that names no taxes takes its product's taxes of the document's scope; a product
without any takes its category's (or its nearest parent's that has some). The party's tax
rule then applies: a tax-exempt party takes none, a mapping replaces one tax by another
(or drops it). The defaults live here, not in the catalog, so the catalog never imports
accounting; `Tax.products` and `CategoryTax` declare the links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction

from tandem.catalog.models import Product, ProductCategory
from tandem.core.errors import InvalidReference, ValidationFailed
from tandem.core.models import Company
from tandem.parties.models import Party

from ..models import CategoryTax, PartyTaxMapping, PartyTaxRule, Tax, TaxScope
from ._common import UNSET, check_company

MAX_DEPTH = 50  # a guard against a cycle in the category tree
SCOPES = (TaxScope.SALE, TaxScope.PURCHASE)


def _ordered(taxes: Iterable[Tax]) -> list[Tax]:
    unique = {t.pk: t for t in taxes}
    return sorted(unique.values(), key=lambda t: (t.sequence, t.pk))


def default_taxes(*, company: Company, products, scope: str, party=None) -> dict[int, list[Tax]]:
    """{product id: default taxes of `scope`} for `products` (Products or ids).

    A fixed number of queries whatever the number of products: the products' own taxes,
    the categories' taxes and tree (only when a product has none of its own), the party's
    rule and its mappings (only with a party that has a rule).
    """
    if scope not in SCOPES:
        raise ValidationFailed("scope: sale or purchase", code="validation.choice", field="scope")
    products = [p for p in products if p is not None]
    ids = [p if isinstance(p, int) else p.pk for p in products]
    if not ids:
        return {}
    categories = {p.pk: p.category_id for p in products if isinstance(p, Product)}
    if len(categories) < len(set(ids)):
        categories.update(
            Product.objects.filter(company=company, pk__in=ids).values_list("pk", "category_id")
        )
    result: dict[int, list[Tax]] = {pk: [] for pk in ids}
    for link in Tax.products.through.objects.filter(
        product_id__in=ids, tax__company=company, tax__scope=scope, tax__active=True
    ).select_related("tax"):
        result[link.product_id].append(link.tax)
    bare = {pk for pk, taxes in result.items() if not taxes and categories.get(pk)}
    if bare:
        by_category: dict[int, list[Tax]] = defaultdict(list)
        for link in CategoryTax.objects.filter(
            company=company, tax__scope=scope, tax__active=True
        ).select_related("tax"):
            by_category[link.category_id].append(link.tax)
        if by_category:
            parents = dict(
                ProductCategory.objects.filter(company=company).values_list("id", "parent_id")
            )
            for pk in bare:
                node, depth = categories[pk], 0
                while node is not None and depth < MAX_DEPTH and node not in by_category:
                    node, depth = parents.get(node), depth + 1
                if node in by_category:
                    result[pk] = list(by_category[node])
    if party is not None:
        _apply_rule(company, party, result)
    return {pk: _ordered(taxes) for pk, taxes in result.items()}


def _apply_rule(company: Company, party, result: dict[int, list[Tax]]) -> None:
    party_id = party if isinstance(party, int) else party.pk
    rule = PartyTaxRule.objects.filter(company=company, party_id=party_id).first()
    if rule is None:
        return
    if rule.tax_exempt:
        for pk in result:
            result[pk] = []
        return
    mapping = {
        m.tax_id: m.replacement
        for m in PartyTaxMapping.objects.filter(rule=rule).select_related("replacement")
    }
    if not mapping:
        return
    for pk, taxes in result.items():
        mapped = []
        for tax in taxes:
            if tax.pk not in mapping:
                mapped.append(tax)
            elif mapping[tax.pk] is not None and mapping[tax.pk].active:
                mapped.append(mapping[tax.pk])
        result[pk] = mapped


def tax_rule_apply(*, company: Company, party, taxes: list[Tax]) -> list[Tax]:
    """One line's taxes through the party's rule (for a caller with taxes in hand)."""
    result = {0: list(taxes)}
    if party is not None:
        _apply_rule(company, party, result)
    return _ordered(result[0])


# -- maintenance ---------------------------------------------------------------------------


def _taxes(company: Company, taxes, *, scope: str, field: str) -> list[Tax]:
    found = []
    for tax in taxes or ():
        if not isinstance(tax, Tax) or tax.company_id != company.pk:
            raise InvalidReference(f"{field}: no such tax in this company", field=field)
        if tax.scope != scope:
            raise ValidationFailed(
                f"{field}: {tax.name} is a {tax.scope} tax",
                code="tax.scope_mismatch",
                field=field,
            )
        if not tax.active:
            raise ValidationFailed(
                f"{field}: {tax.name} is archived", code="tax.inactive", field=field
            )
        found.append(tax)
    return list(dict.fromkeys(found))


def _set_scope(company: Company, target, scope: str, taxes: list[Tax]) -> None:
    """Replace the taxes of `scope` in a product's or category's links, keep the others."""
    if isinstance(target, Product):
        keep = [t for t in target.taxes.all() if t.scope != scope]
        target.taxes.set(keep + taxes)
        return
    CategoryTax.objects.filter(category=target, tax__scope=scope).delete()
    CategoryTax.objects.bulk_create(
        [CategoryTax(company=company, category=target, tax=tax) for tax in taxes]
    )


@transaction.atomic
def default_taxes_for_lines(
    *, company: Company, lines, scope: str, party=None
) -> dict[int, list[Tax]]:
    """`default_taxes` for the products of document lines (mappings with a `product`) that
    name no taxes of their own; another company's product is left to the line's own check."""
    return default_taxes(
        company=company,
        products=[
            line["product"]
            for line in lines
            if isinstance(line, Mapping)
            and isinstance(line.get("product"), Product)
            and line["product"].company_id == company.pk
            and line.get("taxes") is None
        ],
        scope=scope,
        party=party,
    )


def default_taxes_set(*, company: Company, target, taxes=UNSET, purchase_taxes=UNSET) -> None:
    """Set the default sales (`taxes`) and/or purchase taxes of a product or a category."""
    if not isinstance(target, Product | ProductCategory):
        raise ValidationFailed("not a product or a category", field="target")
    check_company(company, target, field="target")
    sale = None if taxes is UNSET else _taxes(company, taxes, scope=TaxScope.SALE, field="taxes")
    purchase = (
        None
        if purchase_taxes is UNSET
        else _taxes(company, purchase_taxes, scope=TaxScope.PURCHASE, field="purchase_taxes")
    )
    if sale is not None:
        _set_scope(company, target, TaxScope.SALE, sale)
    if purchase is not None:
        _set_scope(company, target, TaxScope.PURCHASE, purchase)


def on_default_taxes_set(*, event, company, target, taxes=UNSET, purchase_taxes=UNSET, **_):
    """`catalog.default_taxes_set` hook: the catalog's API hands the ids it resolved here."""
    default_taxes_set(company=company, target=target, taxes=taxes, purchase_taxes=purchase_taxes)


# -- party rules ---------------------------------------------------------------------------


@transaction.atomic
def party_tax_rule_set(
    *, company: Company, party, tax_exempt=UNSET, note=UNSET, mappings=UNSET
) -> PartyTaxRule:
    """Create or change a party's rule. `mappings`: [(tax, replacement or None), ...]
    replaces the rule's mappings as a whole."""
    if not isinstance(party, Party):
        raise ValidationFailed("party is required", code="validation.required", field="party")
    check_company(company, party, field="party")
    checked = None
    if mappings is not UNSET:
        checked = []
        seen = set()
        for index, pair in enumerate(mappings or ()):
            where = f"mappings.{index}"
            tax, replacement = pair
            tax = _one(company, tax, field=f"{where}.tax", scope=None)
            if replacement is not None:
                replacement = _one(
                    company, replacement, field=f"{where}.replacement", scope=tax.scope
                )
                if replacement.pk == tax.pk:
                    raise ValidationFailed(
                        f"{where}.replacement: a tax cannot replace itself",
                        code="tax_rule.same_tax",
                        field=f"{where}.replacement",
                    )
            if tax.pk in seen:
                raise ValidationFailed(
                    f"{where}.tax: {tax.name} is mapped twice",
                    code="tax_rule.duplicate",
                    field=f"{where}.tax",
                )
            seen.add(tax.pk)
            checked.append((tax, replacement))
    rule, _created = PartyTaxRule.objects.select_for_update().get_or_create(
        company=company, party=party
    )
    if tax_exempt is not UNSET:
        rule.tax_exempt = bool(tax_exempt)
    if note is not UNSET:
        rule.note = (note or "").strip()[:200]
    rule.save()
    if checked is not None:
        PartyTaxMapping.objects.filter(rule=rule).delete()
        PartyTaxMapping.objects.bulk_create(
            [
                PartyTaxMapping(company=company, rule=rule, tax=tax, replacement=replacement)
                for tax, replacement in checked
            ]
        )
    return rule


def _one(company: Company, tax, *, field: str, scope) -> Tax:
    if not isinstance(tax, Tax) or tax.company_id != company.pk:
        raise InvalidReference(f"{field}: no such tax in this company", field=field)
    if scope is not None and tax.scope != scope:
        raise ValidationFailed(
            f"{field}: {tax.name} is a {tax.scope} tax", code="tax.scope_mismatch", field=field
        )
    return tax


@transaction.atomic
def party_tax_rule_delete(*, rule: PartyTaxRule) -> None:
    PartyTaxRule.objects.filter(pk=rule.pk).delete()


__all__ = [
    "default_taxes",
    "default_taxes_set",
    "on_default_taxes_set",
    "party_tax_rule_delete",
    "party_tax_rule_set",
    "tax_rule_apply",
]
