"""Settings page: income and expense accounts per product category."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.catalog.models import ProductCategory
from tandem.core.errors import DomainError
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from ..forms import add_domain_error
from ..models import Account, CategoryAccounts
from ..services import category_accounts as services


class CategoryAccountsForm(forms.Form):
    category = forms.ModelChoiceField(
        label=gettext_lazy("Product category"), queryset=ProductCategory.objects.none()
    )
    income_account = forms.ModelChoiceField(
        label=gettext_lazy("Income account"), queryset=Account.objects.none(), required=False
    )
    expense_account = forms.ModelChoiceField(
        label=gettext_lazy("Expense account"), queryset=Account.objects.none(), required=False
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.filter(company=company)
        accounts = Account.objects.filter(company=company, active=True).order_by("code")
        self.fields["income_account"].queryset = accounts.filter(type="income")
        self.fields["expense_account"].queryset = accounts


@company_view("accounting.view_categoryaccounts")
def category_accounts(request):
    company = request.company
    form = CategoryAccountsForm(request.POST or None, company=company)
    status = 200
    if request.method == "POST":
        if not request_has_perm(request, "accounting.add_categoryaccounts"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.category_accounts_set(
                    company=company,
                    category=data["category"],
                    income_account=data["income_account"],
                    expense_account=data["expense_account"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Category accounts saved."))
                return redirect("accounting:category_accounts")
        status = 422
    rows = (
        CategoryAccounts.objects.filter(company=company)
        .select_related("category", "income_account", "expense_account")
        .order_by("category__name")
    )
    context = {
        "form": form,
        "rows": rows,
        "can_change": request_has_perm(request, "accounting.change_categoryaccounts"),
    }
    return render(request, "accounting/category_accounts.html", context, status=status)


@require_POST
@company_view("accounting.delete_categoryaccounts")
def category_accounts_delete(request, pk: int):
    row = get_object_or_404(CategoryAccounts, company=request.company, pk=pk)
    services.category_accounts_delete(row=row)
    messages.success(request, _("Category accounts removed."))
    return redirect("accounting:category_accounts")


urlpatterns = [
    path("settings/category-accounts/", category_accounts, name="category_accounts"),
    path(
        "settings/category-accounts/<int:pk>/delete/",
        category_accounts_delete,
        name="category_accounts_delete",
    ),
]
