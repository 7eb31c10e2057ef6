from django.contrib.auth.management import create_permissions
from django.db import migrations

from unioncore.roles import sync_staff_groups


def forwards(apps, schema_editor):
    User = apps.get_model("unioncore", "User")
    # Celery tasks, imports and other unattended jobs act as this account; it cannot log in.
    User.objects.get_or_create(
        username="system",
        defaults={"kind": "staff", "is_active": False, "password": "!", "first_name": "System"},
    )
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_staff_groups(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("unioncore", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
