from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from commissioning.roles import sync_role_groups

    # Permissions are normally created after migrate; create them now so the groups
    # start with the permissions of every model that exists at this point.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def remove_role_groups(apps, schema_editor):
    from commissioning.models import Role

    apps.get_model("auth", "Group").objects.filter(name__in=Role.labels).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
