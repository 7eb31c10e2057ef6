"""Staff groups and what each may do. The code is the source of truth: after every migrate the
groups receive any permission listed here that they lack (nothing is taken away, so a
permission an admin granted by hand stays)."""

from django.db import DEFAULT_DB_ALIAS

STAFF_GROUPS = ("dispatcher", "officer", "admin")

# app_label.model -> actions, per group. "admin" gets every permission there is.
GROUP_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    # Dispatchers run books, job requests and dispatches; they read members and ledgers and
    # never manage user accounts.
    "dispatcher": {
        "members.member": ("view", "add", "change"),
        "members.membertransaction": ("view",),
        "members.skill": ("view",),
        # The records LaborPower's reports read (decision 0049); never the demographics (PII).
        "members.traveler": ("view", "add", "change"),
        "members.travelletter": ("view",),
        "members.copecheckoff": ("view", "add", "change"),
        "dispatch.steward": ("view", "add", "change"),
        "members.lettertemplate": ("view",),
        "referral.referralbook": ("view",),
        "referral.bookregistration": ("view", "add", "change"),
        "referral.registrationactivity": ("view",),
        "referral.registrationrequest": ("view",),
        "referral.morningreferral": ("view",),
        "referral.holiday": ("view",),
        "referral.maintenancerun": ("view",),
        "dispatch.employer": ("view", "add", "change"),
        "dispatch.employercontract": ("view", "add", "change"),
        "dispatch.employercontact": ("view", "add", "change"),
        "dispatch.employeruser": ("view",),
        "dispatch.jobrequest": ("view", "add", "change"),
        "dispatch.referralrun": ("view",),
        "dispatch.referralcandidate": ("view",),
        "dispatch.dispatch": ("view", "add", "change"),
        "dispatch.jobbid": ("view",),
        "dispatch.referralsuspension": ("view",),
        "dispatch.employerbar": ("view", "add", "change"),
        "dispatch.hallsettings": ("view",),
        # Dispatchers are the lending admins of their dispatches.
        "fulfillment.timelog": ("view", "act"),
        "notifications.notification": ("view",),
        "notifications.smsoptout": ("view", "change"),  # a member's STOP / START given to the hall
        "fulfillment.dispute": ("view",),
        "fulfillment.clockinacknowledgement": ("view",),
        "fulfillment.timelogofflinesync": ("view",),
        "fulfillment.ejection": ("view", "change"),  # take up an ejection from a site (decision 0036)
        # Reports: the referral and dispatch ones (reports/).
        "reports.reportrun": ("referral",),
        # LaborPower imports from the admin page: upload, read the dry run, confirm.
        "unioncore.importjob": ("view", "add", "run"),
    },
    # Officers see everything in the hall and keep the dues ledger; users are read-only.
    "officer": {
        "members.member": ("view", "add", "change"),
        "members.membertransaction": ("view", "add"),
        # Officers keep the skills, and which of them the agreement recognises (decision 0034).
        "members.skill": ("view", "add", "change"),
        # Gender, race/ethnicity, birth date: PII, officers only (docs/pii.md, decision 0049).
        "members.memberdemographics": ("view", "add", "change"),
        "members.traveler": ("view", "add", "change"),
        "members.travelletter": ("view",),
        "members.copecheckoff": ("view", "add", "change"),
        "dispatch.steward": ("view", "add", "change"),
        "members.lettertemplate": ("view", "change"),
        "unioncore.user": ("view",),
        # Officers add a book or a tier (LaborPower's books have up to four) with its own rules.
        "referral.referralbook": ("view", "add", "change"),
        "referral.bookregistration": ("view", "add", "change", "extend", "override"),
        "referral.registrationactivity": ("view",),
        "referral.registrationrequest": ("view",),
        "referral.morningreferral": ("view",),
        "referral.holiday": ("view", "add", "change", "delete"),
        "referral.maintenancerun": ("view",),
        "dispatch.employer": ("view", "add", "change"),
        "dispatch.employercontract": ("view", "add", "change"),
        "dispatch.employercontact": ("view", "add", "change"),
        "dispatch.employeruser": ("view", "add", "change"),
        "dispatch.jobrequest": ("view", "add", "change"),
        "dispatch.referralrun": ("view",),
        "dispatch.referralcandidate": ("view",),
        "dispatch.dispatch": ("view", "add", "change", "emergency"),
        "dispatch.jobbid": ("view",),
        "dispatch.referralsuspension": ("view",),
        "dispatch.employerbar": ("view", "add", "change"),
        # Officers keep the hall's referral and dispatch rule numbers (decision 0047).
        "dispatch.hallsettings": ("view", "change"),
        # Officers also resolve disputes (change_timelog) and enter a member's manual entry longer
        # than the hall's limit (enter_long_manual_entry, decision 0036).
        "fulfillment.timelog": ("view", "act", "change", "enter"),
        "notifications.notification": ("view",),
        "notifications.smsoptout": ("view", "change"),  # a member's STOP / START given to the hall
        "fulfillment.dispute": ("view",),
        "fulfillment.clockinacknowledgement": ("view",),
        "fulfillment.timelogofflinesync": ("view",),
        "fulfillment.ejection": ("view", "change"),  # take up an ejection from a site (decision 0036)
        # Reports: all of them, the audit of who ran which, and others' background exports.
        "reports.reportrun": ("view", "referral", "fulfillment", "demographic"),
        "reports.exportjob": ("view",),
        # Saved custom reports: save, share with staff groups, schedule by email (decision 0055).
        "reports.savedreport": ("view", "save"),
    },
}


def sync_staff_groups(sender=None, using=DEFAULT_DB_ALIAS, apps=None, **kwargs):
    from django.apps import apps as global_apps

    apps = apps or global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    groups = {name: Group.objects.using(using).get_or_create(name=name)[0] for name in STAFF_GROUPS}
    all_perms = Permission.objects.using(using).select_related("content_type")
    by_key = {(p.content_type.app_label, p.content_type.model, p.codename.split("_", 1)[0]): p for p in all_perms}
    groups["admin"].permissions.add(*all_perms)
    for group_name, grants in GROUP_PERMISSIONS.items():
        wanted = []
        for model_key, actions in grants.items():
            app_label, model = model_key.split(".")
            wanted += [by_key[(app_label, model, a)] for a in actions if (app_label, model, a) in by_key]
        groups[group_name].permissions.add(*wanted)
