from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from tandem.core.admin import CompanyScopedAdmin, CompanyScopedInline

from .models import PriceList, PriceListItem, Product, ProductCategory, Uom, UomCategory


class UomInline(CompanyScopedInline, admin.TabularInline):
    model = Uom
    extra = 0
    fields = ["name", "symbol", "ratio", "decimal_places", "is_reference", "active"]


@admin.register(UomCategory)
class UomCategoryAdmin(CompanyScopedAdmin):
    list_display = ["name", "kind", "company"]
    list_filter = ["company", "kind"]
    search_fields = ["name"]
    inlines = [UomInline]


@admin.register(Uom)
class UomAdmin(CompanyScopedAdmin):
    list_display = [
        "name",
        "symbol",
        "category",
        "ratio",
        "decimal_places",
        "is_reference",
        "active",
        "company",
    ]
    list_filter = ["company", "category__kind", "active"]
    search_fields = ["name", "symbol"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(CompanyScopedAdmin):
    list_display = ["full_path", "valuation", "company"]
    list_filter = ["company", "valuation"]
    search_fields = ["name"]
    list_select_related = ["parent__parent__parent"]


@admin.register(Product)
class ProductAdmin(CompanyScopedAdmin, SimpleHistoryAdmin):
    list_display = ["sku", "name", "type", "category", "uom", "list_price", "active", "company"]
    list_filter = ["company", "type", "active", "tracking", "valuation"]
    search_fields = ["sku", "name", "barcode"]
    list_select_related = ["category__parent__parent", "uom", "company"]
    raw_id_fields = ["category"]


class PriceListItemInline(CompanyScopedInline, admin.TabularInline):
    model = PriceListItem
    extra = 0
    raw_id_fields = ["product"]
    fields = ["product", "min_quantity", "unit_price", "valid_from", "valid_to"]


@admin.register(PriceList)
class PriceListAdmin(CompanyScopedAdmin, SimpleHistoryAdmin):
    list_display = ["name", "currency", "is_default", "active", "valid_from", "valid_to", "company"]
    list_filter = ["company", "currency", "active", "is_default"]
    search_fields = ["name"]
    filter_horizontal = ["parties"]
    inlines = [PriceListItemInline]
