from django.db import migrations

from unioncore.audit import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("unioncore", "0002_system_user_and_staff_groups")]

    operations = [AppendOnly("unioncore_historicaluser")]
