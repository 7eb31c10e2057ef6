"""The 2024 procedure's morning referral times (issue 18, rule 1): 8:30 Inside Wireperson; 9:00
Tradeshow; 9:30 Sound & Communication (our Technician books), Stockperson and the rest. Only a
book still at the time an earlier migration gave it is moved: a time staff set stays."""

import datetime

from django.db import migrations

T = datetime.time
MOVES = [("TECH_SEA_", T(9, 15), T(9, 30)), ("STOCK_SEA_", T(9, 0), T(9, 30))]


def forwards(apps, schema_editor):
    ReferralBook = apps.get_model("referral", "ReferralBook")
    for prefix, old, new in MOVES:
        ReferralBook.objects.filter(code__startswith=prefix, referral_start_time=old).update(referral_start_time=new)


class Migration(migrations.Migration):
    dependencies = [("referral", "0005_laborpower_books_and_tiers")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
