"""Accounts: logins, the failed-login lock, and its clearing by staff."""

import hashlib
import ipaddress
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import transaction
from django.utils import formats, timezone

from unioncore.auth import client_address
from unioncore.errors import AccountError, RuleViolation
from unioncore.models import LoginLink, User
from unioncore.notifications import services as outbox
from unioncore.selectors import login_user_lookup


def login_authenticate(*, request, identifier: str, password: str) -> User:
    """The one way every login path (admin, portal, API) checks a username or phone and a
    password. Raises RuleViolation `invalid_credentials` — for a wrong password, an unknown
    account and a locked one alike, in the same words and the same time, so that no answer tells
    which accounts exist (issue 20) — or `too_many_attempts` when the client's address has
    failed LOGIN_FAILURES_PER_ADDRESS times in the window (docs/decisions/0038)."""
    ip = client_address(request) if request is not None else None
    now = timezone.now()
    window = settings.LOGIN_FAILURE_WINDOW_MINUTES
    if address_count_read(kind="login-failures", ip=ip, now=now, minutes=window) >= settings.LOGIN_FAILURES_PER_ADDRESS:
        raise RuleViolation(AccountError.TOO_MANY_ATTEMPTS, too_many_attempts_message())
    authenticated = authenticate(request, username=identifier, password=password)
    if authenticated is None:
        address_count_add(kind="login-failures", ip=ip, now=now, minutes=window)
        raise RuleViolation(AccountError.INVALID_CREDENTIALS, login_refused_message())
    return authenticated


def login_refused_message() -> str:
    """One message for a wrong password and a locked account: it names the lock as a rule,
    never as a fact about this account."""
    return (
        "That username or phone and password do not match. After "
        f"{settings.LOGIN_FAILURE_LIMIT} failed tries an account is locked for "
        f"{settings.LOGIN_LOCK_MINUTES} minutes; the hall can unlock it sooner."
    )


def too_many_attempts_message() -> str:
    return (
        "Too many failed sign-ins from this network. Try again in "
        f"{settings.LOGIN_FAILURE_WINDOW_MINUTES} minutes, or ask the hall."
    )


def locked_message(user: User) -> str:
    until = formats.time_format(timezone.localtime(user.locked_until), "g:i A")
    return (
        f"This account is locked after too many failed logins, until {until}. "
        "Try again then, or ask the hall to unlock it."
    )


# --- Counts per client address (docs/decisions/0025, 0038), in the cache (Redis) ---


def address_key(*, kind: str, ip: str, now: datetime, minutes: int) -> str:
    """The cache key counting `kind` for requests from `ip` in the fixed window of `minutes`
    that holds `now` (fixed windows, so the count follows the clock the rest of the rule reads).
    An IPv6 address counts as its /64: one home or phone is given a whole /64 and can pick any
    address in it; an IPv4 address mapped into IPv6 counts as itself."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        source = ip.strip()
    else:
        if address.version == 6 and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        source = str(ipaddress.ip_network(f"{address}/64", strict=False) if address.version == 6 else address)
    window = int(now.timestamp()) // (minutes * 60)
    return f"unioncore:{kind}:{source}:{window}"


def address_count_read(*, kind: str, ip: str | None, now: datetime, minutes: int) -> int:
    """How many `kind` the address has in this window (0 without an address: a shell, a job)."""
    if not ip:
        return 0
    return int(cache.get(address_key(kind=kind, ip=ip, now=now, minutes=minutes)) or 0)


def address_count_add(*, kind: str, ip: str | None, now: datetime, minutes: int) -> int:
    """Count one `kind` for the address in this window; returns the count (0 without one)."""
    if not ip:
        return 0
    key, lifetime = address_key(kind=kind, ip=ip, now=now, minutes=minutes), minutes * 60
    cache.add(key, 0, timeout=lifetime)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between the two calls
        cache.set(key, 1, timeout=lifetime)
        return 1


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
def api_tokens_revoke(*, user_id: int, by: User | None, digests: list[str] | None = None, reason: str = "") -> int:
    """Sign a user's phone-app devices out: delete their knox tokens — every one, or those whose
    digest is named — so the next request of each is a 401 and the app asks for a login. With a
    `reason` (the console's), the user's history records it, as `by`; a password change or a
    deactivation, which revoke through unioncore.signals, is in that history already. Returns
    how many devices were signed out."""
    from knox.models import AuthToken

    user = User.objects.select_for_update().get(pk=user_id)
    tokens = AuthToken.objects.filter(user=user)
    if digests is not None:
        tokens = tokens.filter(digest__in=digests)
    revoked, _ = tokens.delete()
    if revoked and reason:
        user._history_user = by
        user._change_reason = f"{reason}: signed out of {revoked} phone-app device(s)"
        user.save(update_fields=["is_active"])  # locked row, its own value: a history row, nothing else
    return revoked


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
# same thing either way). Per client address, settings.LOGIN_LINKS_PER_ADDRESS (docs/decisions/0025).
LOGIN_LINKS_PER_WINDOW = 3
# Links deleted per transaction by login_links_prune.
LOGIN_LINK_PRUNE_BATCH = 500


def login_link_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_link_url(token: str) -> str:
    from django.urls import reverse

    return f"{settings.SITE_URL.rstrip('/')}{reverse('portal:login-link-redeem', args=[token])}"


def login_link_address_key(ip: str, now: datetime) -> str:
    """The cache key counting the links sent to requests from `ip` in the lifetime window."""
    return address_key(kind="login-link-address", ip=ip, now=now, minutes=settings.LOGIN_LINK_MINUTES)


def login_link_address_spend(*, ip: str | None, now: datetime) -> bool:
    """Count one link sent to a request from `ip`; False when that is past
    LOGIN_LINKS_PER_ADDRESS in this lifetime window (the link must then not be sent). No
    address (a call from a shell or a job): no per-address limit."""
    if not ip:
        return True
    sent = address_count_add(kind="login-link-address", ip=ip, now=now, minutes=settings.LOGIN_LINK_MINUTES)
    return sent <= settings.LOGIN_LINKS_PER_ADDRESS


def login_link_request(*, identifier: str, ip: str | None) -> bool:
    """A visitor asks for a sign-in link: the request is handed to the Celery worker, which
    looks the account up and sends (login_link_send), so the page answers in the same time
    whether the account exists or not (issue 20). Every request counts against its address
    (LOGIN_LINK_REQUESTS_PER_ADDRESS per link lifetime, sent or not); False — and nothing
    queued — past that."""
    from unioncore import tasks

    now = timezone.now()
    asked = address_count_add(kind="login-link-request", ip=ip, now=now, minutes=settings.LOGIN_LINK_MINUTES)
    if asked > settings.LOGIN_LINK_REQUESTS_PER_ADDRESS:
        return False
    tasks.send_login_link.delay(identifier=identifier, ip=ip)
    return True


@transaction.atomic
def login_link_send(*, identifier: str, ip: str | None = None) -> LoginLink | None:
    """Send a one-time sign-in link to the account a phone number (or username) names, by SMS
    and by email when it has both. Returns None — and sends nothing — for an unknown, inactive,
    locked or unreachable account, past the per-account limit, or past the per-address limit of
    the client address `ip` (only links actually sent count towards it: a mistyped number costs
    nothing); the caller must not tell the difference to the visitor."""
    user = login_user_lookup(identifier)
    if user is None or not user.is_active or user.is_locked or not (user.phone or user.email):
        return None
    now = timezone.now()
    lifetime = timedelta(minutes=settings.LOGIN_LINK_MINUTES)
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time per account
    if LoginLink.objects.filter(user=user, created_at__gt=now - lifetime).count() >= LOGIN_LINKS_PER_WINDOW:
        return None
    if not login_link_address_spend(ip=ip, now=now):
        return None
    token = secrets.token_urlsafe(32)
    link = LoginLink(user=user, token_hash=login_link_digest(token), created_at=now, expires_at=now + lifetime)
    link._history_user = user
    link.save()
    outbox.notify_critical(
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
        raise RuleViolation(AccountError.LOGIN_LINK_INVALID, LINK_REFUSED)
    user = link.user
    if user.is_locked:
        raise RuleViolation(AccountError.ACCOUNT_LOCKED, locked_message(user))
    link.used_at = now
    link._history_user = user
    link.save(update_fields=["used_at"])
    for other in LoginLink.objects.select_for_update().filter(user=user, used_at__isnull=True, expires_at__gt=now):
        other.used_at = now
        other._history_user = user
        other._change_reason = "Spent by another link's use"
        other.save(update_fields=["used_at"])
    return user


def login_links_prune(*, now: datetime | None = None, keep_days: int | None = None, by: User | None = None) -> int:
    """Delete the sign-in links that expired more than `keep_days` (LOGIN_LINK_KEEP_DAYS) ago
    (docs/decisions/0025): no use to anyone by then, but each is a row per request. Their
    history stays (append-only tables): each deletion adds a "-" row, as `by` (the `system`
    account from the task). One by one through the ORM, so simple-history writes that row; in
    batches of LOGIN_LINK_PRUNE_BATCH that commit on their own, rows locked with SKIP LOCKED:
    safe to run twice or at once. Returns how many were deleted."""
    now = now or timezone.now()
    keep_days = settings.LOGIN_LINK_KEEP_DAYS if keep_days is None else keep_days
    if keep_days < 0:
        raise ValueError("keep_days must not be negative: a link still valid is never pruned")
    old = LoginLink.objects.filter(expires_at__lt=now - timedelta(days=keep_days))
    deleted = 0
    while True:
        with transaction.atomic():
            batch = list(old.select_for_update(skip_locked=True).order_by("pk")[:LOGIN_LINK_PRUNE_BATCH])
            for link in batch:
                if by is not None:
                    link._history_user = by
                link._change_reason = f"Pruned: expired more than {keep_days} days ago"
                link.delete()
        deleted += len(batch)
        if len(batch) < LOGIN_LINK_PRUNE_BATCH:
            return deleted
