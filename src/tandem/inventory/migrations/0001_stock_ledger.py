import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounting", "0003_documents"),
        ("catalog", "0001_initial"),
        ("core", "0001_initial"),
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Location",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "full_name",
                    models.CharField(blank=True, max_length=400, verbose_name="full name"),
                ),
                (
                    "usage",
                    models.CharField(
                        choices=[
                            ("internal", "Internal"),
                            ("supplier", "Supplier"),
                            ("customer", "Customer"),
                            ("inventory", "Inventory loss"),
                            ("production", "Production"),
                            ("scrap", "Scrap"),
                            ("transit", "Transit"),
                            ("view", "View"),
                        ],
                        max_length=12,
                        verbose_name="usage",
                    ),
                ),
                (
                    "barcode",
                    models.CharField(blank=True, default="", max_length=64, verbose_name="barcode"),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "parent",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="children",
                        to="inventory.location",
                        verbose_name="parent location",
                    ),
                ),
            ],
            options={
                "verbose_name": "location",
                "verbose_name_plural": "locations",
                "ordering": ["full_name", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "usage__in",
                                [
                                    "internal",
                                    "supplier",
                                    "customer",
                                    "inventory",
                                    "production",
                                    "scrap",
                                    "transit",
                                    "view",
                                ],
                            )
                        ),
                        name="location_usage_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("parent", models.F("id")), _negated=True),
                        name="location_not_own_parent",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("barcode", ""), _negated=True),
                        fields=("company", "barcode"),
                        name="location_unique_barcode",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="InventoryCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "number",
                    models.CharField(blank=True, default="", max_length=64, verbose_name="number"),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")],
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                (
                    "applied_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="applied at"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounting.entry",
                        verbose_name="journal entry",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="location",
                    ),
                ),
            ],
            options={
                "verbose_name": "inventory count",
                "verbose_name_plural": "inventory counts",
                "ordering": ["-date", "-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("state__in", ["draft", "done", "cancelled"])),
                        name="count_state_valid",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Lot",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                (
                    "expiry_date",
                    models.DateField(blank=True, null=True, verbose_name="expiry date"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lots",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "lot / serial",
                "verbose_name_plural": "lots / serials",
                "ordering": ["product_id", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("product", "name"), name="lot_unique_name")
                ],
            },
        ),
        migrations.CreateModel(
            name="InventoryCountLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "expected",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="expected",
                    ),
                ),
                (
                    "counted",
                    models.DecimalField(decimal_places=6, max_digits=24, verbose_name="counted"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "count",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="inventory.inventorycount",
                        verbose_name="count",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.lot",
                        verbose_name="lot / serial",
                    ),
                ),
            ],
            options={
                "verbose_name": "count line",
                "verbose_name_plural": "count lines",
                "ordering": ["id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("counted__gte", 0)), name="count_line_not_negative"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("lot__isnull", False)),
                        fields=("count", "product", "lot"),
                        name="count_line_unique_lot",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("lot__isnull", True)),
                        fields=("count", "product"),
                        name="count_line_unique",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ProductStock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "allow_negative",
                    models.BooleanField(default=False, verbose_name="allow negative stock"),
                ),
                (
                    "quantity",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="valued quantity",
                    ),
                ),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), max_digits=18, verbose_name="value"
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "product",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="stock_setting",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "product stock",
                "verbose_name_plural": "product stock",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("allow_negative", True), ("quantity__gte", 0), _connector="OR"
                        ),
                        name="product_stock_quantity_not_negative",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StockLevel",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "on_hand",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="on hand",
                    ),
                ),
                (
                    "reserved",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="reserved",
                    ),
                ),
                (
                    "allow_negative",
                    models.BooleanField(default=False, verbose_name="allow negative stock"),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="levels",
                        to="inventory.location",
                        verbose_name="location",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="levels",
                        to="inventory.lot",
                        verbose_name="lot / serial",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "stock level",
                "verbose_name_plural": "stock levels",
                "ordering": ["product_id", "location_id", "lot_id"],
                "indexes": [
                    models.Index(fields=["location", "product"], name="level_location_product")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("lot__isnull", False)),
                        fields=("product", "location", "lot"),
                        name="level_unique_with_lot",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("lot__isnull", True)),
                        fields=("product", "location"),
                        name="level_unique_without_lot",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reserved__gte", 0)), name="level_reserved_positive"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("allow_negative", True),
                            models.Q(("on_hand__gte", 0), ("reserved__lte", models.F("on_hand"))),
                            _connector="OR",
                        ),
                        name="level_within_on_hand",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Transfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "number",
                    models.CharField(blank=True, default="", max_length=64, verbose_name="number"),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("receipt", "Receipt"),
                            ("delivery", "Delivery"),
                            ("internal", "Internal transfer"),
                        ],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("confirmed", "Waiting"),
                            ("assigned", "Ready"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                (
                    "origin",
                    models.CharField(
                        blank=True, default="", max_length=100, verbose_name="source document"
                    ),
                ),
                ("scheduled_date", models.DateField(verbose_name="scheduled date")),
                (
                    "date_done",
                    models.DateTimeField(blank=True, null=True, verbose_name="date done"),
                ),
                ("notes", models.TextField(blank=True, default="", verbose_name="notes")),
                (
                    "backorder_of",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="backorders",
                        to="inventory.transfer",
                        verbose_name="backorder of",
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounting.entry",
                        verbose_name="journal entry",
                    ),
                ),
                (
                    "location_dest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="destination location",
                    ),
                ),
                (
                    "location_src",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="source location",
                    ),
                ),
                (
                    "party",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="parties.party",
                        verbose_name="partner",
                    ),
                ),
            ],
            options={
                "verbose_name": "transfer",
                "verbose_name_plural": "transfers",
                "ordering": ["-scheduled_date", "-id"],
                "indexes": [
                    models.Index(
                        fields=["company", "state", "scheduled_date"],
                        name="inventory_t_company_ada3db_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["receipt", "delivery", "internal"])),
                        name="transfer_kind_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("state__in", ["draft", "confirmed", "assigned", "done", "cancelled"])
                        ),
                        name="transfer_state_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("backorder_of", models.F("id")), _negated=True),
                        name="transfer_not_own_backorder",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="StockMove",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "quantity",
                    models.DecimalField(decimal_places=6, max_digits=24, verbose_name="quantity"),
                ),
                (
                    "quantity_done",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="quantity done",
                    ),
                ),
                (
                    "quantity_reserved",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="quantity reserved",
                    ),
                ),
                (
                    "uom_quantity",
                    models.DecimalField(
                        decimal_places=6,
                        max_digits=24,
                        verbose_name="quantity in the document's unit",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("confirmed", "Waiting"),
                            ("assigned", "Ready"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="draft",
                        max_length=10,
                        verbose_name="state",
                    ),
                ),
                (
                    "unit_cost",
                    models.DecimalField(
                        blank=True,
                        decimal_places=6,
                        max_digits=18,
                        null=True,
                        verbose_name="unit cost",
                    ),
                ),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), max_digits=18, verbose_name="value"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                (
                    "date_done",
                    models.DateTimeField(blank=True, null=True, verbose_name="date done"),
                ),
                (
                    "origin",
                    models.CharField(
                        blank=True, default="", max_length=100, verbose_name="source document"
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "count",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="moves",
                        to="inventory.inventorycount",
                        verbose_name="inventory count",
                    ),
                ),
                (
                    "location_dest",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="destination location",
                    ),
                ),
                (
                    "location_src",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="source location",
                    ),
                ),
                (
                    "lot",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="moves",
                        to="inventory.lot",
                        verbose_name="lot / serial",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
                (
                    "uom",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.uom",
                        verbose_name="unit",
                    ),
                ),
                (
                    "transfer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="moves",
                        to="inventory.transfer",
                        verbose_name="transfer",
                    ),
                ),
            ],
            options={
                "verbose_name": "stock move",
                "verbose_name_plural": "stock moves",
                "ordering": ["id"],
                "indexes": [
                    models.Index(fields=["product", "state", "date"], name="move_product_state"),
                    models.Index(fields=["location_src", "state"], name="move_src_state"),
                    models.Index(fields=["location_dest", "state"], name="move_dest_state"),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("quantity__gte", 0),
                            ("quantity_done__gte", 0),
                            ("quantity_reserved__gte", 0),
                        ),
                        name="move_quantities_not_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("quantity_reserved__lte", models.F("quantity"))),
                        name="move_reserved_within_quantity",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("state", "done"), _negated=True),
                            models.Q(("date_done__isnull", False), ("quantity_reserved", 0)),
                            _connector="OR",
                        ),
                        name="move_done_settled",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("value__gte", 0)), name="move_value_not_negative"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("location_src", models.F("location_dest")), _negated=True
                        ),
                        name="move_locations_differ",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("state__in", ["draft", "confirmed", "assigned", "done", "cancelled"])
                        ),
                        name="move_state_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ValuationLayer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "quantity",
                    models.DecimalField(decimal_places=6, max_digits=24, verbose_name="quantity"),
                ),
                (
                    "unit_cost",
                    models.DecimalField(decimal_places=6, max_digits=18, verbose_name="unit cost"),
                ),
                (
                    "value",
                    models.DecimalField(decimal_places=2, max_digits=18, verbose_name="value"),
                ),
                (
                    "remaining_quantity",
                    models.DecimalField(
                        decimal_places=6,
                        default=Decimal("0"),
                        max_digits=24,
                        verbose_name="remaining quantity",
                    ),
                ),
                (
                    "remaining_value",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        max_digits=18,
                        verbose_name="remaining value",
                    ),
                ),
                (
                    "description",
                    models.CharField(
                        blank=True, default="", max_length=200, verbose_name="description"
                    ),
                ),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "move",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="layers",
                        to="inventory.stockmove",
                        verbose_name="stock move",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="catalog.product",
                        verbose_name="product",
                    ),
                ),
            ],
            options={
                "verbose_name": "valuation layer",
                "verbose_name_plural": "valuation layers",
                "ordering": ["id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("remaining_quantity__gt", 0)),
                        fields=["product", "id"],
                        name="layer_open_fifo",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("remaining_quantity__gte", 0)),
                        name="layer_remaining_not_negative",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("remaining_quantity", 0),
                            ("quantity__gte", models.F("remaining_quantity")),
                            _connector="OR",
                        ),
                        name="layer_remaining_within_quantity",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Warehouse",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("code", models.CharField(max_length=10, verbose_name="code")),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "input_location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="input location",
                    ),
                ),
                (
                    "output_location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="output location",
                    ),
                ),
                (
                    "stock_location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="stock location",
                    ),
                ),
                (
                    "view_location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="inventory.location",
                        verbose_name="view location",
                    ),
                ),
            ],
            options={
                "verbose_name": "warehouse",
                "verbose_name_plural": "warehouses",
                "ordering": ["code"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("company", "code"), name="warehouse_unique_code"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="transfer",
            name="warehouse",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transfers",
                to="inventory.warehouse",
                verbose_name="warehouse",
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="warehouse",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="locations",
                to="inventory.warehouse",
                verbose_name="warehouse",
            ),
        ),
        migrations.CreateModel(
            name="InventorySettings",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True, db_index=True, verbose_name="created at"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                (
                    "company",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.company",
                        verbose_name="company",
                    ),
                ),
                (
                    "gain_account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounting.account",
                        verbose_name="inventory gain account",
                    ),
                ),
                (
                    "loss_account",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="accounting.account",
                        verbose_name="inventory loss account",
                    ),
                ),
            ],
            options={
                "verbose_name": "inventory settings",
                "verbose_name_plural": "inventory settings",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("company",), name="inventory_settings_one_per_company"
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("warehouse__isnull", True),
                    models.Q(("usage__in", ["internal", "view"]), _negated=True),
                ),
                fields=("company", "usage"),
                name="location_one_virtual_per_usage",
            ),
        ),
    ]
