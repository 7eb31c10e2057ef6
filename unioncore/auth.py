from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from unioncore.selectors import login_user_lookup


def client_address(request) -> str | None:
    """The visitor's address, for per-address limits, as the API throttles see it (DRF's rule,
    settings.NUM_PROXIES): REMOTE_ADDR, or with N proxies in front the address the first of them
    appended to X-Forwarded-For; what a visitor wrote there themselves is never taken."""
    from rest_framework.throttling import BaseThrottle

    return BaseThrottle().get_ident(request) or None


class AccountLocked(PermissionDenied):
    pass


class LockingModelBackend(ModelBackend):
    """Username or phone + password; a locked account is refused before its password is even
    checked, whatever the login path (admin, portal, API), so a lock cannot be probed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get("phone")
        if username is None or password is None:
            return None
        user = login_user_lookup(username)
        if user is None:
            # Same cost as a real check, so timing does not tell which accounts exist.
            get_user_model()().set_password(password)
            return None
        if user.is_locked:
            # The same cost as a password check, so a lock cannot be told by timing either.
            get_user_model()().set_password(password)
            raise AccountLocked(user.locked_until)
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
