"""The outbox's model, taken over from fulfillment (decision 0045): the table and its history
were made and renamed by fulfillment's migrations up to 0009, so this only records the model's
state here, and moves the content types (and so the permissions given to the staff groups)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def move_content_types(apps, schema_editor, source="fulfillment", target="notifications"):
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in ("notification", "historicalnotification"):
        content_types.objects.filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="notifications", target="fulfillment")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("fulfillment", "0009_notification_to_the_kernel"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('about_id', models.BigIntegerField(blank=True, help_text='What it is about, by id (its kind says what)', null=True)),
                    ('channel', models.CharField(choices=[('sms', 'SMS'), ('email', 'Email')], max_length=8)),
                    ('kind', models.CharField(help_text='The message and ladder step, e.g. verify_t60', max_length=40)),
                    ('cycle', models.PositiveIntegerField(default=0, help_text="The time log's timer cycle it belongs to")),
                    ('body', models.TextField()),
                    ('link', models.URLField(blank=True, max_length=500)),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled (no longer relevant)')], default='pending', max_length=16)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('error', models.CharField(blank=True, max_length=300)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('fallback_of', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='fallback', to='notifications.notification')),
                    ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'ordering': ('-created_at', '-id'),
                },
            ),
            migrations.CreateModel(
                name='HistoricalNotification',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('about_id', models.BigIntegerField(blank=True, help_text='What it is about, by id (its kind says what)', null=True)),
                    ('channel', models.CharField(choices=[('sms', 'SMS'), ('email', 'Email')], max_length=8)),
                    ('kind', models.CharField(help_text='The message and ladder step, e.g. verify_t60', max_length=40)),
                    ('cycle', models.PositiveIntegerField(default=0, help_text="The time log's timer cycle it belongs to")),
                    ('body', models.TextField()),
                    ('link', models.URLField(blank=True, max_length=500)),
                    ('status', models.CharField(choices=[('pending', 'Pending'), ('sent', 'Sent'), ('failed', 'Failed'), ('cancelled', 'Cancelled (no longer relevant)')], default='pending', max_length=16)),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('error', models.CharField(blank=True, max_length=300)),
                    ('created_at', models.DateTimeField(blank=True, editable=False)),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('recipient', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('fallback_of', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='notifications.notification')),
                ],
                options={
                    'verbose_name': 'historical notification',
                    'verbose_name_plural': 'historical notifications',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.AddIndex(
                model_name='notification',
                index=models.Index(fields=['status', 'created_at'], name='notification_status_created'),
            ),
            migrations.AddConstraint(
                model_name='notification',
                constraint=models.UniqueConstraint(fields=('about_id', 'recipient', 'channel', 'kind', 'cycle'), name='notification_once_per_step'),
            ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
