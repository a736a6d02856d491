"""An explicit default warehouse per company.

Until now the default was the first active warehouse by code, so creating one with a
lower code silently re-routed receipts, purchase orders and deliveries. Each company gets
that same warehouse as its explicit default here, so nothing moves for existing data.
"""

import django.db.models.deletion
from django.db import migrations, models


def keep_current_default(apps, schema_editor):
    Warehouse = apps.get_model("inventory", "Warehouse")
    InventorySettings = apps.get_model("inventory", "InventorySettings")
    first_by_code = {}
    for company_id, pk in (
        Warehouse.objects.filter(active=True)
        .order_by("company_id", "code", "pk")
        .values_list("company_id", "pk")
    ):
        first_by_code.setdefault(company_id, pk)
    for company_id, pk in first_by_code.items():
        settings, _ = InventorySettings.objects.get_or_create(company_id=company_id)
        if settings.default_warehouse_id is None:
            settings.default_warehouse_id = pk
            settings.save(update_fields=["default_warehouse"])


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0003_drilldown_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="inventorysettings",
            name="default_warehouse",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="inventory.warehouse",
                verbose_name="default warehouse",
            ),
        ),
        # backwards, the column goes with the field: nothing to undo
        migrations.RunPython(keep_current_default, migrations.RunPython.noop),
    ]
