"""The PRC pack's Beijing 2026 year (2026-07-01 .. 2027-06-30: bases 7,270 / 36,348, the
housing fund floor at the 2,540 minimum wage). Shanghai's 2026 year is not confirmed and not
shipped (docs/hr.md). The same data as hr.prc_data, installed by the same function."""

from django.db import migrations


def forward(apps, schema_editor):
    from tandem.hr.prc_data import install

    install(apps.get_model("hr", "SocialInsuranceRule"), apps.get_model("hr", "IncomeTaxBracket"))


class Migration(migrations.Migration):
    dependencies = [("hr", "0004_leave_attendance_reviews")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
