# Two branches of dispatch's migrations landed the same hour (stewards and the 401(k) statement,
# decision 0049; the offer's referral run and the unfilled requests): joined here, nothing to do.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0011_stewards_and_401k_statement"),
        ("dispatch", "0013_job_request_unfilled_at"),
    ]

    operations = []
