from django.db import migrations

from unioncore.audit import AppendOnly


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_report_runs_and_exports")]

    # The report audit is never rewritten; an export job's progress changes, its history does not.
    operations = [
        AppendOnly("reports_reportrun"),
        AppendOnly("reports_historicalreportrun"),
        AppendOnly("reports_historicalexportjob"),
    ]
