from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken, Company, Currency, ExchangeRate, Membership, Role, Sequence, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    filter_horizontal = ["roles"]
    fk_name = "user"


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = [*UserAdmin.fieldsets, ("Tandem", {"fields": ["language", "default_company"]})]
    list_display = ["username", "email", "is_active", "is_staff", "default_company"]


@admin.register(Company)
class CompanyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "currency", "country", "time_zone"]
    search_fields = ["code", "name"]


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
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ["company", "currency", "date", "rate"]
    list_filter = ["company", "currency"]


@admin.register(Sequence)
class SequenceAdmin(admin.ModelAdmin):
    list_display = ["company", "code", "year", "prefix", "last_number"]
    readonly_fields = ["last_number"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "token_hash"]
