import django.db.models.deletion
import tandem.core.models.calendars
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_importkey_importmapping"),
    ]

    operations = [
        migrations.CreateModel(
            name="BusinessCalendar",
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
                    "time_zone",
                    models.CharField(
                        default="Asia/Shanghai", max_length=64, verbose_name="time zone"
                    ),
                ),
                ("country", models.CharField(blank=True, max_length=2, verbose_name="country")),
                (
                    "subdivision",
                    models.CharField(blank=True, max_length=10, verbose_name="subdivision"),
                ),
                (
                    "week",
                    models.JSONField(
                        default=tandem.core.models.calendars.default_week,
                        verbose_name="working hours",
                    ),
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
            ],
            options={
                "verbose_name": "business calendar",
                "verbose_name_plural": "business calendars",
                "ordering": ["name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("company", "name"), name="core_calendar_name_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="CalendarDay",
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
                ("date", models.DateField(verbose_name="date")),
                (
                    "kind",
                    models.CharField(
                        choices=[("holiday", "Holiday"), ("working", "Working day")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                (
                    "intervals",
                    models.JSONField(blank=True, default=list, verbose_name="working hours"),
                ),
                (
                    "calendar",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="days",
                        to="core.businesscalendar",
                        verbose_name="calendar",
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
            ],
            options={
                "verbose_name": "calendar day",
                "verbose_name_plural": "calendar days",
                "ordering": ["date"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("calendar", "date"), name="core_calendar_day_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["holiday", "working"])),
                        name="core_calendar_day_kind",
                    ),
                ],
            },
        ),
    ]
