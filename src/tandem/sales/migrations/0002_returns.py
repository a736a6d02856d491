import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounting', '0003_documents'),
        ('core', '0001_initial'),
        ('core', '__first__'),
        ('inventory', '0002_done_moves_append_only'),
        ('parties', '0001_initial'),
        ('sales', '0001_orders_fulfilment_sla'),
    ]

    operations = [
        migrations.CreateModel(
            name='SalesReturn',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('number', models.CharField(max_length=64, verbose_name='number')),
                ('state', models.CharField(choices=[('draft', 'Draft'), ('received', 'Received'), ('refunded', 'Refunded'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='draft', max_length=10, verbose_name='state')),
                ('date', models.DateField(verbose_name='date')),
                ('reason', models.CharField(blank=True, max_length=500, verbose_name='reason')),
                ('received_at', models.DateTimeField(blank=True, null=True, verbose_name='received at')),
                ('refunded_at', models.DateTimeField(blank=True, null=True, verbose_name='refunded at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('credit_note', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounting.invoice', verbose_name='credit note')),
                ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='sales.salesorder', verbose_name='order')),
                ('party', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.party', verbose_name='customer')),
                ('refund', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounting.payment', verbose_name='refund')),
                ('scrap_transfer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.transfer', verbose_name='scrap transfer')),
                ('transfer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='inventory.transfer', verbose_name='receipt')),
            ],
            options={
                'verbose_name': 'return',
                'verbose_name_plural': 'returns',
                'ordering': ['-date', '-id'],
                'indexes': [models.Index(fields=['company', 'order'], name='sret_company_order')],
                'constraints': [models.UniqueConstraint(fields=('company', 'number'), name='sret_unique_number'), models.CheckConstraint(condition=models.Q(('state__in', ['draft', 'received', 'refunded', 'done', 'cancelled'])), name='sret_state_valid')],
            },
        ),
        migrations.CreateModel(
            name='SalesReturnLine',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('quantity', models.DecimalField(decimal_places=4, max_digits=18, verbose_name='quantity')),
                ('to_scrap', models.BooleanField(default=False, verbose_name='to scrap')),
                ('unit_cost', models.DecimalField(blank=True, decimal_places=6, max_digits=20, null=True, verbose_name='unit cost')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('order_line', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='return_lines', to='sales.salesorderline', verbose_name='order line')),
                ('sales_return', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='sales.salesreturn', verbose_name='return')),
            ],
            options={
                'verbose_name': 'return line',
                'verbose_name_plural': 'return lines',
                'ordering': ['sales_return', 'id'],
                'constraints': [models.CheckConstraint(condition=models.Q(('quantity__gt', 0)), name='sretl_quantity_gt_0')],
            },
        ),
    ]
