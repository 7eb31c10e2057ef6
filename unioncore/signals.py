"""Every login path goes through django.contrib.auth, so its signals see every attempt."""

from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.models import update_last_login
from django.dispatch import receiver

from unioncore import services
from unioncore.selectors import login_user_lookup

# Replaced by login_success_record, which also clears the failure count without a history row.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_login_failed, dispatch_uid="unioncore.login_failed")
def _count_failure(sender, credentials, request=None, **kwargs):
    user = login_user_lookup(credentials.get("username") or credentials.get("phone") or "")
    if user is not None:
        services.login_failure_record(user_id=user.pk)


@receiver(user_logged_in, dispatch_uid="unioncore.logged_in")
def _record_success(sender, request, user, **kwargs):
    services.login_success_record(user_id=user.pk)
