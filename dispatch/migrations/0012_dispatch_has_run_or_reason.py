from django.db import migrations, models

# Its own migration: PostgreSQL adds the check after 0011's update has committed.


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0011_offer_carries_its_run")]

    operations = [
        migrations.AddConstraint(
            model_name="dispatch",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("referral_run__isnull", False), models.Q(("override_reason", ""), _negated=True), _connector="OR"
                ),
                name="dispatch_has_run_or_reason",
                violation_error_message="An offer needs its referral run or an officer's reason.",
            ),
        ),
    ]
