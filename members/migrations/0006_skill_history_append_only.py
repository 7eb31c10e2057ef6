from django.db import migrations

from unioncore.audit import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("members", "0005_skill_historicalmember_tribal_affiliation_and_more")]

    operations = [AppendOnly("members_historicalskill"), AppendOnly("members_historicalmemberskill")]
