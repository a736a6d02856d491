"""The Django admin: a maintenance view that must not bypass the services' invariants.

- A row never moves to another company: `company` is read-only once a row exists, and rows
  added inline take their parent's company (CompanyScopedAdmin, used by every app's admin).
- A company's currency is read-only once anything is recorded in it (the rule of
  `company_update`, which also saves the change under the company's row lock).
- Numbering sequences are view-only: an edited counter would issue legal numbers twice.
- Memberships are view-only here; they change through the users page and its services.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .errors import DomainError
from .models import ApiToken, Company, Currency, ExchangeRate, Membership, Role, Sequence, User
from .services import company_currency_in_use, company_update


def _has_company(model) -> bool:
    return any(field.name == "company" for field in model._meta.concrete_fields)


class CompanyScopedAdmin(admin.ModelAdmin):
    """`company` is chosen when a row is added, then read-only; inline rows take the parent's
    company whatever the form says."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and _has_company(self.model) and "company" not in fields:
            fields.append("company")
        return fields

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        parent_company = getattr(form.instance, "company_id", None)
        for instance in instances:
            if _has_company(type(instance)) and parent_company is not None:
                instance.company_id = parent_company
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


class CompanyScopedInline:
    """Inline rows of a company-scoped parent: the company is the parent's, never a field."""

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), "company"]

    def get_fields(self, request, obj=None):
        return [f for f in super().get_fields(request, obj) if f != "company"]


class MembershipInline(admin.TabularInline):
    """View-only: roles and activation change through membership_grant / member_update."""

    model = Membership
    extra = 0
    fk_name = "user"
    fields = ["company", "roles", "is_active"]
    readonly_fields = ["company", "roles", "is_active"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = [*UserAdmin.fieldsets, ("Tandem", {"fields": ["language", "default_company"]})]
    list_display = ["username", "email", "is_active", "is_staff", "default_company"]


class CompanyAdminForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["code", "name", "currency", "country", "time_zone", "fiscal_year_start_month"]

    def clean_currency(self):
        currency = self.cleaned_data["currency"]
        company = self.instance
        if (
            company.pk
            and currency is not None
            and currency.pk != company.currency_id
            and company_currency_in_use(company)
        ):
            raise forms.ValidationError(
                _("The company currency stays %(code)s: documents or ledger entries are "
                  "recorded in it."),
                code="company.currency_locked",
                params={"code": company.currency_id},
            )  # fmt: skip
        return currency


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    form = CompanyAdminForm
    list_display = ["code", "name", "currency", "country", "time_zone"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and company_currency_in_use(obj):
            fields.append("currency")
        return fields

    def save_model(self, request, obj, form, change):
        if change and "currency" in form.changed_data:
            # the service re-checks under the company's row lock: a posting between the form
            # and the save still keeps the currency
            try:
                company_update(company=obj, currency=obj.currency_id)
            except DomainError as refused:
                obj.currency_id = Company.objects.values_list("currency_id", flat=True).get(
                    pk=obj.pk
                )
                messages.error(request, refused.message)
        super().save_model(request, obj, form, change)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    readonly_fields = ["code"]
    filter_horizontal = ["permissions"]


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "minor_unit", "active"]
    search_fields = ["code", "name"]
    list_filter = ["active"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(CompanyScopedAdmin, SimpleHistoryAdmin):
    list_display = ["company", "currency", "date", "rate"]
    list_filter = ["company", "currency"]


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    """View-only: the counters behind legal numbers move only through sequence_next."""

    list_display = ["company", "code", "year", "prefix", "last_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash"]
