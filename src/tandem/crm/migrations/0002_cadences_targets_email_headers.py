import django.db.models.deletion
import django.db.models.functions.text
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("core", "__first__"),
        ("crm", "0001_initial"),
        ("parties", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Cadence",
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
                    "applies_to",
                    models.CharField(
                        choices=[
                            ("lead", "New leads"),
                            ("opportunity", "Open opportunities"),
                            ("party", "Customers"),
                        ],
                        max_length=12,
                        verbose_name="applies to",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("call", "Call"),
                            ("email", "Email"),
                            ("meeting", "Meeting"),
                            ("task", "Task"),
                        ],
                        default="call",
                        max_length=10,
                        verbose_name="activity kind",
                    ),
                ),
                ("interval", models.PositiveSmallIntegerField(default=3, verbose_name="interval")),
                (
                    "interval_unit",
                    models.CharField(
                        choices=[("days", "days"), ("business_days", "business days")],
                        default="days",
                        max_length=15,
                        verbose_name="interval unit",
                    ),
                ),
                (
                    "summary_template",
                    models.CharField(
                        default="Follow up: {record}",
                        help_text="{record}, {stage} and {owner} are replaced.",
                        max_length=200,
                        verbose_name="summary",
                    ),
                ),
                (
                    "repeat",
                    models.BooleanField(
                        default=True,
                        help_text="Otherwise the rule plans one activity per record, ever.",
                        verbose_name="repeat",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "follow-up cadence",
                "verbose_name_plural": "follow-up cadences",
                "ordering": ["applies_to", "name", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("applies_to__in", ["lead", "opportunity", "party"])),
                        name="crm_cadence_target_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("interval_unit__in", ["days", "business_days"])),
                        name="crm_cadence_unit_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("interval__gte", 1), ("interval__lte", 366)),
                        name="crm_cadence_interval_range",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="CrmSettings",
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
                    "team_visibility",
                    models.BooleanField(
                        default=False,
                        help_text="Sales team leaders see their teams; owners and admins see everything.",
                        verbose_name="reps see only their own team's leads and opportunities",
                    ),
                ),
                (
                    "mail_in_token",
                    models.CharField(blank=True, max_length=64, verbose_name="inbound email token"),
                ),
            ],
            options={
                "verbose_name": "CRM settings",
                "verbose_name_plural": "CRM settings",
            },
        ),
        migrations.CreateModel(
            name="SalesTarget",
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
                    "period",
                    models.CharField(
                        choices=[("month", "Month"), ("quarter", "Quarter"), ("year", "Year")],
                        default="month",
                        max_length=10,
                        verbose_name="period",
                    ),
                ),
                ("period_start", models.DateField(verbose_name="period start")),
                (
                    "measure",
                    models.CharField(
                        choices=[
                            ("won_revenue", "Won revenue"),
                            ("invoiced_revenue", "Invoiced revenue"),
                        ],
                        default="won_revenue",
                        max_length=20,
                        verbose_name="measure",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=18,
                        verbose_name="target amount",
                    ),
                ),
            ],
            options={
                "verbose_name": "sales target",
                "verbose_name_plural": "sales targets",
                "ordering": ["-period_start", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount__gte", 0)), name="crm_target_amount_gte_0"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("period__in", ["month", "quarter", "year"])),
                        name="crm_target_period_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("measure__in", ["won_revenue", "invoiced_revenue"])),
                        name="crm_target_measure_valid",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="interaction",
            name="email_from",
            field=models.CharField(blank=True, max_length=320, verbose_name="from"),
        ),
        migrations.AddField(
            model_name="interaction",
            name="email_to",
            field=models.CharField(blank=True, max_length=1000, verbose_name="to"),
        ),
        migrations.AddField(
            model_name="interaction",
            name="in_reply_to",
            field=models.CharField(blank=True, max_length=255, verbose_name="in reply to"),
        ),
        migrations.AddConstraint(
            model_name="interaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("message_id", ""), _negated=True),
                fields=("company", "message_id"),
                name="crm_interaction_unique_message_id",
            ),
        ),
        migrations.AddField(
            model_name="cadence",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.company",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="cadence",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="owner when the record has none",
            ),
        ),
        migrations.AddField(
            model_name="cadence",
            name="stage",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="cadences",
                to="crm.pipelinestage",
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="cadence",
            name="tag",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="crm_cadences",
                to="parties.tag",
                verbose_name="segment (tag)",
            ),
        ),
        migrations.AddField(
            model_name="activity",
            name="cadence",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="activities",
                to="crm.cadence",
                verbose_name="follow-up cadence",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("cadence__isnull", False), ("lead__isnull", False), ("state", "planned")
                ),
                fields=("cadence", "lead"),
                name="crm_activity_one_open_cadence_lead",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("cadence__isnull", False), ("opportunity__isnull", False), ("state", "planned")
                ),
                fields=("cadence", "opportunity"),
                name="crm_activity_one_open_cadence_opp",
            ),
        ),
        migrations.AddConstraint(
            model_name="activity",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    ("cadence__isnull", False),
                    ("lead__isnull", True),
                    ("opportunity__isnull", True),
                    ("state", "planned"),
                ),
                fields=("cadence", "party"),
                name="crm_activity_one_open_cadence_party",
            ),
        ),
        migrations.AddField(
            model_name="crmsettings",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.company",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="salestarget",
            name="company",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.company",
                verbose_name="company",
            ),
        ),
        migrations.AddField(
            model_name="salestarget",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="targets",
                to="crm.salesteam",
                verbose_name="sales team",
            ),
        ),
        migrations.AddField(
            model_name="salestarget",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="crm_targets",
                to=settings.AUTH_USER_MODEL,
                verbose_name="sales rep",
            ),
        ),
        migrations.AddConstraint(
            model_name="cadence",
            constraint=models.UniqueConstraint(
                models.F("company"),
                django.db.models.functions.text.Lower("name"),
                name="crm_cadence_unique_name_ci",
            ),
        ),
        migrations.AddConstraint(
            model_name="cadence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("stage__isnull", True), ("applies_to", "opportunity"), _connector="OR"
                ),
                name="crm_cadence_stage_only_opportunity",
            ),
        ),
        migrations.AddConstraint(
            model_name="cadence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("tag__isnull", True),
                    models.Q(("applies_to", "lead"), _negated=True),
                    _connector="OR",
                ),
                name="crm_cadence_tag_not_lead",
            ),
        ),
        migrations.AddConstraint(
            model_name="crmsettings",
            constraint=models.UniqueConstraint(fields=("company",), name="crm_settings_one"),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("team__isnull", True), ("user__isnull", False)),
                    models.Q(("team__isnull", False), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="crm_target_rep_or_team",
            ),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False)),
                fields=("company", "user", "period", "period_start", "measure"),
                name="crm_target_unique_rep",
            ),
        ),
        migrations.AddConstraint(
            model_name="salestarget",
            constraint=models.UniqueConstraint(
                condition=models.Q(("team__isnull", False)),
                fields=("company", "team", "period", "period_start", "measure"),
                name="crm_target_unique_team",
            ),
        ),
    ]
