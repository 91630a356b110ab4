"""The outcome frameworks providers report against: victim services (the Ministry of
Justice victims grant return) and the Violence Reduction Unit (the Home Office's
success measures). Administrators edit them afterwards in the admin."""

from django.db import migrations


def load(apps, schema_editor):
    from monitoring.reference import ensure_reference_frameworks

    ensure_reference_frameworks(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0001_initial"),
        ("grants", "0002_programmes"),
    ]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
