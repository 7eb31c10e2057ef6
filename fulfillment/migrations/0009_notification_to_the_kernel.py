"""The outbox moves to the shared kernel (decision 0045): its `time_log` foreign key becomes
`about_id` (no foreign key: the kernel imports no domain model), then the table and its history
are renamed for their new app, `notifications`, whose first migration takes over the model's
state. Rows, history and the append-only triggers stay (a rename keeps them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fulfillment", "0008_project_photos")]

    operations = [
        migrations.RemoveConstraint(model_name="notification", name="notification_once_per_step"),
        migrations.RenameField(model_name="notification", old_name="time_log", new_name="about_id"),
        migrations.AlterField(
            model_name="notification",
            name="about_id",
            field=models.BigIntegerField(
                blank=True, null=True, help_text="What it is about, by id (its kind says what)"
            ),
        ),
        migrations.RenameField(model_name="historicalnotification", old_name="time_log", new_name="about_id"),
        migrations.AlterField(
            model_name="historicalnotification",
            name="about_id",
            field=models.BigIntegerField(
                blank=True, null=True, help_text="What it is about, by id (its kind says what)"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                fields=("about_id", "recipient", "channel", "kind", "cycle"), name="notification_once_per_step"
            ),
        ),
        migrations.RenameIndex(
            model_name="notification", new_name="notification_status_created", old_name="fulfillment_status_a44278_idx"
        ),
        migrations.AlterModelTable(name="notification", table="notifications_notification"),
        migrations.AlterModelTable(name="historicalnotification", table="notifications_historicalnotification"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="historicalnotification"),
                migrations.DeleteModel(name="notification"),
            ]
        ),
    ]
