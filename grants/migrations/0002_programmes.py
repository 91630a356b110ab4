"""The grant programmes the strategy names; administrators add more."""

from django.db import migrations

PROGRAMMES = [
    ("police-and-crime-grant", "Police and Crime Grant",
     "The PCC's grant to the five community safety partnerships."),
    ("small-grants", "Small Grants", "Preventative grants administered by community foundations."),
    ("vru", "Violence Reduction Unit", "Home Office VRU funding to local spokes."),
    ("moj-idva", "MoJ IDVA", "Ministry of Justice Independent Domestic Violence Advisor funding."),
    ("moj-da-sv", "MoJ DA/SV", "Ministry of Justice domestic abuse and sexual violence funding."),
    ("safer-streets", "Safer Streets", "Home Office Safer Streets Fund."),
    ("victim-services", "Victim services", "Grants for victim services."),
]


def load(apps, schema_editor):
    Programme = apps.get_model("grants", "Programme")
    for order, (code, name, description) in enumerate(PROGRAMMES, start=1):
        Programme.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order * 10}
        )


def unload(apps, schema_editor):
    apps.get_model("grants", "Programme").objects.filter(
        code__in=[code for code, *_ in PROGRAMMES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
