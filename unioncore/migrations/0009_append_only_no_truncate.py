"""TRUNCATE refused on every append-only table (issue 20, item 12; decision 0039). New databases
get the trigger from each AppendOnly operation; this adds it where those ran before it existed."""

from django.db import migrations

from unioncore.audit import allow_truncate_sql, append_only_tables, refuse_truncate_sql


def refuse_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite has no TRUNCATE
    with schema_editor.connection.cursor() as cursor:
        for table in append_only_tables(cursor):
            schema_editor.execute(refuse_truncate_sql(table), None)


def allow_truncate(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table in append_only_tables(cursor):
            schema_editor.execute(allow_truncate_sql(table), None)


class Migration(migrations.Migration):
    dependencies = [("unioncore", "0008_import_job_kind_longer")]

    operations = [migrations.RunPython(refuse_truncate, allow_truncate, elidable=False)]
