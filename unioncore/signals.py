"""Every login path goes through django.contrib.auth, so its signals see every attempt."""

from django.contrib.auth import user_logged_in, user_login_failed
from django.contrib.auth.models import update_last_login
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from unioncore import services
from unioncore.models import User
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


@receiver(pre_save, sender=User, dispatch_uid="unioncore.tokens_to_revoke")
def _note_tokens_to_revoke(sender, instance, raw=False, **kwargs):
    """A new password (set_password, not the hash upgrade Django does at login) or a deactivation
    signs the phone-app devices out (issue 20): a token must not outlive the password it was got
    with, nor come back to life when an account is reactivated. Noted here, done after the save."""
    if raw or instance.pk is None:
        return
    new_password = instance._password is not None  # set by set_password(); the upgrade clears it
    deactivated = not instance.is_active and User.objects.filter(pk=instance.pk, is_active=True).exists()
    instance._revoke_api_tokens = new_password or deactivated


@receiver(post_save, sender=User, dispatch_uid="unioncore.revoke_tokens")
def _revoke_tokens(sender, instance, raw=False, **kwargs):
    if getattr(instance, "_revoke_api_tokens", False):
        instance._revoke_api_tokens = False
        services.api_tokens_revoke(user_id=instance.pk, by=getattr(instance, "_history_user", None))
