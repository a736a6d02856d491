"""The PRC pack brought to the shipped figures (hr.prc_data): validity closed on 2026-06-30,
Shanghai's 2025 housing fund floor at the 2,740 minimum wage. The same function runs from
`hr.services.pack.prc_pack_ensure` when a database lacks the rows (a flushed test database).
prc_data is plain data without app imports, so this migration stays stable."""

from django.db import migrations


def forward(apps, schema_editor):
    from tandem.hr.prc_data import install

    install(apps.get_model("hr", "SocialInsuranceRule"), apps.get_model("hr", "IncomeTaxBracket"))


class Migration(migrations.Migration):
    dependencies = [("hr", "0002_prc_pack")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
