"""Catalog: units of measure, product categories, products and price lists."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tandem.core.models import CompanyScoped

QUANTITY_MAX_PLACES = 6


class Valuation(models.TextChoices):
    STANDARD = "standard", _("Standard")
    AVERAGE = "average", _("Average")
    FIFO = "fifo", _("FIFO")


# -- units of measure ----------------------------------------------------------------------


class UomKind(models.TextChoices):
    UNITS = "units", _("Units")
    WEIGHT = "weight", _("Weight")
    LENGTH = "length", _("Length")
    TIME = "time", _("Time")
    VOLUME = "volume", _("Volume")
    AREA = "area", _("Area")
    OTHER = "other", _("Other")


class UomCategory(CompanyScoped):
    """Units that convert into each other (kg, g, t); each has one reference unit."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=UomKind, default=UomKind.OTHER)

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit of measure category")
        verbose_name_plural = _("unit of measure categories")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="uom_category_unique_name"),
        ]

    def __str__(self):
        return self.name


class Uom(CompanyScoped):
    """A unit; `ratio` is how many reference units of its category one of it makes."""

    category = models.ForeignKey(
        UomCategory, on_delete=models.PROTECT, related_name="uoms", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=50)
    symbol = models.CharField(_("symbol"), max_length=20)
    ratio = models.DecimalField(
        _("ratio to the reference unit"), max_digits=24, decimal_places=12, default=Decimal(1)
    )
    decimal_places = models.PositiveSmallIntegerField(
        _("decimal places"),
        default=2,
        help_text=_("Quantities in this unit are rounded to this many places."),
    )
    is_reference = models.BooleanField(_("reference unit"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category__name", "-is_reference", "ratio", "name"]
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="uom_unique_name"),
            models.UniqueConstraint(
                fields=["category"], condition=Q(is_reference=True), name="uom_one_reference"
            ),
            models.CheckConstraint(condition=Q(ratio__gt=0), name="uom_ratio_positive"),
            models.CheckConstraint(
                condition=Q(is_reference=False) | Q(ratio=1), name="uom_reference_ratio_one"
            ),
            models.CheckConstraint(
                condition=Q(decimal_places__lte=QUANTITY_MAX_PLACES), name="uom_places_range"
            ),
        ]

    def __str__(self):
        return self.name


# -- product categories --------------------------------------------------------------------


class ProductCategory(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent category"),
    )
    valuation = models.CharField(
        _("default valuation"), max_length=10, choices=Valuation, default=Valuation.STANDARD
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "parent", "name"],
                condition=Q(parent__isnull=False),
                name="product_category_unique_name",
            ),
            models.UniqueConstraint(
                fields=["company", "name"],
                condition=Q(parent__isnull=True),
                name="product_category_unique_root_name",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="product_category_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.full_path

    @property
    def full_path(self) -> str:
        """ "All / Furniture / Chairs"; walks the parents (use queries.category_paths for lists)."""
        names, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


# -- products ------------------------------------------------------------------------------


class ProductType(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICE = "service", _("Service")
    CONSUMABLE = "consumable", _("Consumable")


class Tracking(models.TextChoices):
    NONE = "none", _("None")
    LOT = "lot", _("Lot")
    SERIAL = "serial", _("Serial")


class Product(CompanyScoped):
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    type = models.CharField(
        _("type"), max_length=12, choices=ProductType, default=ProductType.GOODS
    )
    barcode = models.CharField(_("barcode"), max_length=32, blank=True, default="")
    category = models.ForeignKey(
        ProductCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("category"),
    )
    uom = models.ForeignKey(
        Uom, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit of measure")
    )
    purchase_uom = models.ForeignKey(
        Uom, on_delete=models.PROTECT, related_name="+", verbose_name=_("purchase unit")
    )
    list_price = models.DecimalField(
        _("list price"), max_digits=18, decimal_places=6, default=Decimal(0)
    )
    cost_price = models.DecimalField(
        _("cost price"), max_digits=18, decimal_places=6, default=Decimal(0)
    )
    tracking = models.CharField(
        _("tracking"), max_length=10, choices=Tracking, default=Tracking.NONE
    )
    valuation = models.CharField(
        _("valuation"), max_length=10, choices=Valuation, default=Valuation.STANDARD
    )
    weight = models.DecimalField(
        _("weight (kg)"), max_digits=18, decimal_places=6, default=Decimal(0)
    )
    volume = models.DecimalField(
        _("volume (m³)"), max_digits=18, decimal_places=6, default=Decimal(0)
    )
    active = models.BooleanField(_("active"), default=True)
    can_be_sold = models.BooleanField(_("can be sold"), default=True)
    can_be_purchased = models.BooleanField(_("can be purchased"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            # case-insensitive: "ab-1" and "AB-1" are the same SKU
            models.UniqueConstraint("company", Lower("sku"), name="product_unique_sku"),
            models.UniqueConstraint(
                fields=["company", "barcode"],
                condition=~Q(barcode=""),
                name="product_unique_barcode",
            ),
            models.CheckConstraint(
                condition=Q(list_price__gte=0, cost_price__gte=0),
                name="product_prices_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0, volume__gte=0), name="product_measures_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(type="service") | Q(tracking="none"),
                name="product_service_not_tracked",
            ),
        ]

    def __str__(self):
        return f"[{self.sku}] {self.name}"


# -- price lists ---------------------------------------------------------------------------


class PriceList(CompanyScoped):
    name = models.CharField(_("name"), max_length=100)
    currency = models.ForeignKey(
        "core.Currency", on_delete=models.PROTECT, related_name="+", verbose_name=_("currency")
    )
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"),
        default=False,
        help_text=_("Used for customers without a price list of their own, per currency."),
    )
    parties = models.ManyToManyField(
        "parties.Party", blank=True, related_name="price_lists", verbose_name=_("customers")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="price_list_unique_name"),
            models.UniqueConstraint(
                fields=["company", "currency"],
                condition=Q(is_default=True),
                name="price_list_one_default_per_currency",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="price_list_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.currency_id})"


class PriceListItem(CompanyScoped):
    """A unit price in the list's currency per the product's unit, from `min_quantity` on."""

    price_list = models.ForeignKey(
        PriceList, on_delete=models.CASCADE, related_name="items", verbose_name=_("price list")
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="price_items", verbose_name=_("product")
    )
    min_quantity = models.DecimalField(
        _("minimum quantity"), max_digits=18, decimal_places=6, default=Decimal(0)
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=6)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["product__sku", "min_quantity", "valid_from"]
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        indexes = [models.Index(fields=["product", "price_list"], name="price_item_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_quantity__gte=0), name="price_item_min_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="price_item_unit_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="price_item_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.price_list_id}: {self.product_id} ≥ {self.min_quantity} @ {self.unit_price}"
