from django.db import migrations

from unioncore.audit import AppendOnly

HISTORY = ["timelog", "timesegment", "clockinacknowledgement", "notification", "dispute", "disputemessage",
           "timelogofflinesync"]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0001_initial")]

    # Acknowledgements are permanent proof for disputes, and dispute messages a record.
    operations = [AppendOnly(f"fulfillment_historical{name}") for name in HISTORY] + [
        AppendOnly("fulfillment_clockinacknowledgement"),
        AppendOnly("fulfillment_disputemessage"),
    ]
