from django.db import migrations

from unioncore.audit import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("members", "0002_initial"), ("unioncore", "0003_append_only_history")]

    operations = [
        AppendOnly("members_historicalmember"),
        AppendOnly("members_historicalmembertransaction"),
        # The ledger itself: a correction is a new row, never an edit.
        AppendOnly("members_membertransaction"),
    ]
