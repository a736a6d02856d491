from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tandem.core.admin import CompanyScopedAdmin, CompanyScopedInline

from .models import Address, Contact, Party, PaymentTerm, Tag


class ContactInline(CompanyScopedInline, admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "job_title", "email", "phone", "mobile", "is_primary")


class AddressInline(CompanyScopedInline, admin.StackedInline):
    model = Address
    extra = 0
    fields = (
        "kind",
        ("street", "street2"),
        ("postal_code", "city"),
        ("state", "country"),
        "is_default",
    )


@admin.register(Party)
class PartyAdmin(CompanyScopedAdmin, SimpleHistoryAdmin):
    list_display = ("name", "company", "kind", "is_customer", "is_supplier", "country", "active")
    list_filter = ("company", "kind", "is_customer", "is_supplier", "active", "country")
    search_fields = ("name", "email", "tax_id", "phone")
    list_select_related = ("company",)
    autocomplete_fields = ("tags",)
    raw_id_fields = ("payment_term",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [ContactInline, AddressInline]


@admin.register(Tag)
class TagAdmin(CompanyScopedAdmin):
    list_display = ("name", "company", "color")
    list_filter = ("company",)
    search_fields = ("name",)


@admin.register(PaymentTerm)
class PaymentTermAdmin(CompanyScopedAdmin):
    list_display = ("name", "company", "due_days")
    list_filter = ("company",)
    search_fields = ("name",)
