"""Accounts: logins, the failed-login lock, and its clearing by staff."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import formats, timezone

from unioncore.errors import RuleViolation
from unioncore.models import LoginLink, User
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


# --- Magic links (docs/decisions/0017) ---

# At most this many links per account within one link lifetime: a stranger typing a member's
# number cannot flood their phone. Requests beyond it are silently dropped (the page says the
# same thing either way).
LOGIN_LINKS_PER_WINDOW = 3


def login_link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_link_url(token: str) -> str:
    from django.urls import reverse

    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:login-link-redeem', args=[token])}"


@transaction.atomic
def login_link_send(*, identifier: str) -> LoginLink | None:
    """Send a one-time sign-in link to the account a phone number (or username) names, by SMS
    and by email when it has both. Returns None — and sends nothing — for an unknown, inactive,
    locked or unreachable account, or past the per-window limit; the caller must not tell the
    difference to the visitor."""
    from fulfillment.services.notifications import announce_critical

    user = login_user_lookup(identifier)
    if user is None or not user.is_active or user.is_locked or not (user.phone or user.email):
        return None
    now = timezone.now()
    lifetime = timedelta(minutes=settings.LOGIN_LINK_MINUTES)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per account
    if LoginLink.objects.filter(user=user, created_at__gt=now - lifetime).count() >= LOGIN_LINKS_PER_WINDOW:
        return None
    token = secrets.token_urlsafe(32)
    link = LoginLink(user=user, token_hash=login_link_digest(token), created_at=now, expires_at=now + lifetime)
    link._history_user = user
    link.save()
    announce_critical(
        user=user,
        kind="magic_link",
        body=f"IBEW Local 46: your sign-in link, valid {settings.LOGIN_LINK_MINUTES} minutes and once:",
        link=login_link_url(token),
    )
    return link


LINK_REFUSED = "This sign-in link has expired or was already used. Ask for a new one."


@transaction.atomic
def login_link_redeem(*, token: str) -> User:
    """The account a sign-in link opens, once. Using it spends every other open link of the
    account too. Raises RuleViolation `login_link_invalid` (unknown, used, expired, inactive)
    or `account_locked` — a locked account gets no session, and its link stays unspent."""
    link = (
        LoginLink.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash=login_link_digest(token or ""))
        .first()
    )
    now = timezone.now()
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.is_active:
        raise RuleViolation("login_link_invalid", LINK_REFUSED)
    user = link.user
    if user.is_locked:
        raise RuleViolation("account_locked", locked_message(user))
    link.used_at = now
    link._history_user = user
    link.save(update_fields=["used_at"])
    for other in LoginLink.objects.select_for_update().filter(user=user, used_at__isnull=True, expires_at__gt=now):
        other.used_at = now
        other._history_user = user
        other._change_reason = "Spent by another link's use"
        other.save(update_fields=["used_at"])
    return user
