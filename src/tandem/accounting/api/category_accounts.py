"""/category-accounts: income and expense accounts per product category (thin: see
services/category_accounts.py)."""

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_ref, get_scoped, page_of, paginate, require_perm
from tandem.catalog.models import ProductCategory

from ..models import Account, CategoryAccounts
from ..schemas.revaluation import CategoryAccountsIn, CategoryAccountsOut, CategoryAccountsPatch
from ..services import category_accounts as services

router = Router()

LIMIT = Query(50, ge=1, le=500)
OFFSET = Query(0, ge=0, le=10**12)


def rows_of(company):
    return CategoryAccounts.objects.filter(company=company).select_related("category")


def _account(request, pk, field):
    return None if pk is None else get_ref(Account, request, pk, field=field)


@router.get("/category-accounts", response=page_of(CategoryAccountsOut), tags=["accounting"])
def category_accounts_list(request, limit: int = LIMIT, offset: int = OFFSET):
    require_perm(request, "accounting.view_categoryaccounts")
    qs = rows_of(company_of(request)).order_by("category__name", "id")
    return paginate(qs, limit=limit, offset=offset)


@router.get("/category-accounts/{row_id}", response=CategoryAccountsOut, tags=["accounting"])
def category_accounts_read(request, row_id: int):
    require_perm(request, "accounting.view_categoryaccounts")
    return get_scoped(rows_of(company_of(request)), request, row_id, label="category_accounts")


@router.post("/category-accounts", response={201: CategoryAccountsOut}, tags=["accounting"])
def category_accounts_add(request, payload: CategoryAccountsIn):
    """Creates the category's row, or replaces its accounts when it has one."""
    require_perm(request, "accounting.add_categoryaccounts")
    row = services.category_accounts_set(
        company=company_of(request),
        category=get_ref(ProductCategory, request, payload.category, field="category"),
        income_account=_account(request, payload.income_account, "income_account"),
        expense_account=_account(request, payload.expense_account, "expense_account"),
    )
    return Status(201, rows_of(company_of(request)).get(pk=row.pk))


@router.patch("/category-accounts/{row_id}", response=CategoryAccountsOut, tags=["accounting"])
def category_accounts_update(request, row_id: int, payload: CategoryAccountsPatch):
    require_perm(request, "accounting.change_categoryaccounts")
    row = get_scoped(rows_of(company_of(request)), request, row_id, label="category_accounts")
    changes = {
        field: _account(request, value, field)
        for field, value in payload.dict(exclude_unset=True).items()
    }
    services.category_accounts_set(company=company_of(request), category=row.category, **changes)
    return rows_of(company_of(request)).get(pk=row.pk)


@router.delete("/category-accounts/{row_id}", response={204: None}, tags=["accounting"])
def category_accounts_delete(request, row_id: int):
    require_perm(request, "accounting.delete_categoryaccounts")
    row = get_scoped(rows_of(company_of(request)), request, row_id, label="category_accounts")
    services.category_accounts_delete(row=row)
    return Status(204, None)
