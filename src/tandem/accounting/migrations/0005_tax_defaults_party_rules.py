import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounting', '0004_fx_revaluation_cancelled_on'),
        ('catalog', '0001_initial'),
        ('core', '0001_initial'),
        ('parties', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PartyTaxRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('tax_exempt', models.BooleanField(default=False, help_text='Lines take no default taxes for this party.', verbose_name='tax exempt')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('party', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='parties.party', verbose_name='party')),
            ],
            options={
                'verbose_name': 'party tax rule',
                'verbose_name_plural': 'party tax rules',
                'ordering': ['party__name', 'id'],
                'constraints': [models.UniqueConstraint(fields=('party',), name='party_tax_rule_one')],
            },
        ),
        migrations.CreateModel(
            name='PartyTaxMapping',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('replacement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounting.tax', verbose_name='replaced by')),
                ('tax', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounting.tax', verbose_name='tax')),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mappings', to='accounting.partytaxrule', verbose_name='rule')),
            ],
            options={
                'verbose_name': 'tax mapping',
                'verbose_name_plural': 'tax mappings',
                'ordering': ['id'],
                'constraints': [models.UniqueConstraint(fields=('rule', 'tax'), name='party_tax_mapping_unique'), models.CheckConstraint(condition=models.Q(('replacement', models.F('tax')), _negated=True), name='party_tax_mapping_not_same')],
            },
        ),
        migrations.CreateModel(
            name='CategoryTax',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='default_tax_links', to='catalog.productcategory', verbose_name='product category')),
                ('company', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.company', verbose_name='company')),
                ('tax', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounting.tax', verbose_name='tax')),
            ],
            options={
                'verbose_name': 'category tax',
                'verbose_name_plural': 'category taxes',
                'ordering': ['category_id', 'tax__sequence', 'tax_id'],
                'constraints': [models.UniqueConstraint(fields=('category', 'tax'), name='category_tax_unique')],
            },
        ),
    ]
