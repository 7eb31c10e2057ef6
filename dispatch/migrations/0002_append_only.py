from django.db import migrations

from unioncore.audit import AppendOnly

HISTORY_TABLES = [
    "dispatch_historicalemployer", "dispatch_historicalemployercontract", "dispatch_historicalemployercontact",
    "dispatch_historicalemployeruser", "dispatch_historicalemployerbar", "dispatch_historicalreferralsuspension",
    "dispatch_historicaljobrequest", "dispatch_historicaljobrequest_special_skills",
    "dispatch_historicaljobrequest_by_name_members", "dispatch_historicalreferralrun",
    "dispatch_historicalreferralcandidate", "dispatch_historicaldispatch", "dispatch_historicaljobbid",
]  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    # The referral record answers grievances: its candidates are never rewritten either.
    operations = [AppendOnly(t) for t in [*HISTORY_TABLES, "dispatch_referralcandidate"]]
