import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0001_initial'),
        ('core', '0006_importkey_importmapping'),
        ('manufacturing', '0001_initial'),
        ('parties', '0002_party_language'),
        ('purchasing', '0002_price_differences'),
    ]

    operations = [
        migrations.AddField(
            model_name='bom',
            name='lead_time_days',
            field=models.PositiveIntegerField(default=1, verbose_name='lead time (days)'),
        ),
        migrations.CreateModel(
            name='PlannedOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('kind', models.CharField(choices=[('purchase', 'Purchase'), ('manufacture', 'Manufacture')], max_length=12, verbose_name='kind')),
                ('state', models.CharField(choices=[('planned', 'Planned'), ('firmed', 'Firmed')], default='planned', max_length=10, verbose_name='state')),
                ('quantity', models.DecimalField(decimal_places=6, max_digits=24, verbose_name='quantity')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('release_date', models.DateField(verbose_name='release date')),
                ('planned_at', models.DateTimeField(verbose_name='planned at')),
                ('bom', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='manufacturing.bom', verbose_name='bill of materials')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('manufacturing_order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='manufacturing.manufacturingorder', verbose_name='manufacturing order')),
                ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.product', verbose_name='product')),
                ('purchase_order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='purchasing.purchaseorder', verbose_name='purchase order')),
                ('supplier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='parties.party', verbose_name='supplier')),
            ],
            options={
                'verbose_name': 'planned order',
                'verbose_name_plural': 'planned orders',
                'ordering': ['release_date', 'id'],
                'indexes': [models.Index(fields=['company', 'state'], name='mrp_planned_state')],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='mrp_planned_quantity_gt_0'), models.CheckConstraint(condition=models.Q(('kind__in', ['purchase', 'manufacture']), ('state__in', ['planned', 'firmed'])), name='mrp_planned_kind_state_valid')],
            },
        ),
        migrations.CreateModel(
            name='Pegging',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('demand_kind', models.CharField(choices=[('sales_order_line', 'Sales order'), ('mo_component', 'Manufacturing order component'), ('planned_order', 'Planned order'), ('safety_stock', 'Safety stock')], max_length=20, verbose_name='demand')),
                ('demand_id', models.BigIntegerField(blank=True, null=True, verbose_name='demand id')),
                ('label', models.CharField(blank=True, default='', max_length=100, verbose_name='label')),
                ('date', models.DateField(verbose_name='date')),
                ('quantity', models.DecimalField(decimal_places=6, max_digits=24, verbose_name='quantity')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('planned_order', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pegging', to='manufacturing.plannedorder')),
            ],
            options={
                'verbose_name': 'pegging',
                'verbose_name_plural': 'pegging',
                'ordering': ['date', 'id'],
            },
        ),
    ]
