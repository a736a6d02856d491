"""Income and expense accounts per product category (the catalog stays unaware of them).

An invoice line with a product and no account takes the account of the product's category,
else of its nearest parent category that has one, else the revenue/expense role account.
"""

from __future__ import annotations

from django.db import transaction

from tandem.catalog.models import ProductCategory
from tandem.core.errors import ValidationFailed
from tandem.core.models import Company

from ..models import Account, CategoryAccounts
from ._common import UNSET, check_company

MAX_DEPTH = 50  # a guard against a cycle in the category tree


def _account(company: Company, account, *, field: str) -> Account | None:
    if account is None:
        return None
    if not isinstance(account, Account):
        raise ValidationFailed(f"{field}: not an account", field=field)
    check_company(company, account, field=field)
    if not account.active:
        raise ValidationFailed(
            f"Account {account.code} is archived", code="account.inactive", field=field
        )
    return account


@transaction.atomic
def category_accounts_set(
    *, company: Company, category, income_account=UNSET, expense_account=UNSET
) -> CategoryAccounts:
    """Create or change the accounts of `category` (None clears one: the default applies)."""
    if not isinstance(category, ProductCategory):
        raise ValidationFailed("category is required", code="validation.required", field="category")
    check_company(company, category, field="category")
    row, _created = CategoryAccounts.objects.select_for_update().get_or_create(
        company=company, category=category
    )
    if income_account is not UNSET:
        row.income_account = _account(company, income_account, field="income_account")
    if expense_account is not UNSET:
        row.expense_account = _account(company, expense_account, field="expense_account")
    row.save()
    return row


@transaction.atomic
def category_accounts_delete(*, row: CategoryAccounts) -> None:
    CategoryAccounts.objects.filter(pk=row.pk).delete()


def accounts_for_categories(company: Company, category_ids) -> dict[int, tuple]:
    """{category id: (income account, expense account)} with the parents' as fallback.

    Two queries whatever the number of categories: the company's category tree and its rows.
    """
    wanted = {pk for pk in category_ids if pk is not None}
    if not wanted:
        return {}
    rows = {
        row.category_id: (row.income_account, row.expense_account)
        for row in CategoryAccounts.objects.filter(company=company).select_related(
            "income_account", "expense_account"
        )
    }
    if not rows:
        return {}
    parents = dict(ProductCategory.objects.filter(company=company).values_list("id", "parent_id"))
    result = {}
    for start in wanted:
        income = expense = None
        node, depth = start, 0
        while node is not None and depth < MAX_DEPTH and (income is None or expense is None):
            own_income, own_expense = rows.get(node, (None, None))
            income = income or own_income
            expense = expense or own_expense
            node, depth = parents.get(node), depth + 1
        result[start] = (income, expense)
    return result


__all__ = ["accounts_for_categories", "category_accounts_delete", "category_accounts_set"]
