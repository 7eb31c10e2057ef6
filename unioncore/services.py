"""Accounts: logins, the failed-login lock, and its clearing by staff."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import formats, timezone

from unioncore.errors import RuleViolation
from unioncore.models import User
from unioncore.selectors import login_user_lookup


def login_authenticate(*, request, identifier: str, password: str) -> User:
    """The one way every login path (admin, portal, API) checks a username or phone and a
    password. Raises RuleViolation `account_locked` or `invalid_credentials`."""
    user = login_user_lookup(identifier)
    if user is not None and user.is_locked:
        raise RuleViolation("account_locked", locked_message(user))
    authenticated = authenticate(request, username=identifier, password=password)
    if authenticated is None:
        user = login_user_lookup(identifier)
        if user is not None and user.is_locked:  # this very attempt was the one that locked it
            raise RuleViolation("account_locked", locked_message(user))
        raise RuleViolation("invalid_credentials", "That username or phone and password do not match.")
    return authenticated


def locked_message(user: User) -> str:
    until = formats.time_format(timezone.localtime(user.locked_until), "g:i A")
    return (
        f"This account is locked after too many failed logins, until {until}. "
        "Try again then, or ask the hall to unlock it."
    )


@transaction.atomic
def login_failure_record(*, user_id: int) -> User:
    """Count a failed login. The limit-th failure within the window locks the account."""
    user = User.objects.select_for_update().get(pk=user_id)
    now = timezone.now()
    if user.is_locked:
        return user  # attempts during a lock neither count nor extend it
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    started = user.failed_login_window_started_at
    if started is None or now - started >= window:
        started, count = now, 1
    else:
        count = user.failed_login_count + 1
    if count >= settings.LOGIN_FAILURE_LIMIT:
        user.locked_until = now + timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
        user.failed_login_count = 0
        user.failed_login_window_started_at = None
        user._change_reason = f"Locked after {count} failed logins"
        user.save(update_fields=["locked_until", "failed_login_count", "failed_login_window_started_at"])
    else:
        # Counters are bookkeeping, not audit: no history row per typo.
        User.objects.filter(pk=user.pk).update(failed_login_count=count, failed_login_window_started_at=started)
        user.failed_login_count, user.failed_login_window_started_at = count, started
    return user


def login_success_record(*, user_id: int) -> None:
    """A successful login: stamp last_login and forget earlier failures (no history row)."""
    User.objects.filter(pk=user_id).update(
        last_login=timezone.now(), failed_login_count=0, failed_login_window_started_at=None
    )


@transaction.atomic
def user_unlock(*, user_id: int, by: User) -> User:
    """Staff clear a login lock (and the failures counted towards the next one)."""
    user = User.objects.select_for_update().get(pk=user_id)
    user.locked_until = None
    user.failed_login_count = 0
    user.failed_login_window_started_at = None
    user._history_user = by
    user._change_reason = "Login lock cleared"
    user.save(update_fields=["locked_until", "failed_login_count", "failed_login_window_started_at"])
    return user


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    password: str | None,
    kind: str,
    groups: tuple[str, ...] = (),
    password_hash: str | None = None,
    **fields,
) -> User:
    """Open an account. Staff accounts get console access; `groups` names staff groups.
    `password_hash` (from make_password) lets a bulk job hash one shared password once."""
    from django.contrib.auth.models import Group

    user = User(username=username, kind=kind, is_staff=kind == "staff", **fields)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user._history_user = by
    user.save()
    if groups:
        user.groups.add(*Group.objects.filter(name__in=groups))
    return user
