"""Token authentication for the phone API (kept apart from the views: DRF imports the
authentication classes while it loads its own views module)."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

MAX_TOKEN_LENGTH = 256


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's `Authorization: Token <key>`, in one query: the token with its user and the user's
    employer link (which every visibility rule reads next), where knox reads the token and its
    user, then every other token of the user to delete the expired ones — a second query on
    every request. A token past its expiry is still refused and deleted on use (with knox's
    `token_expired` signal); the user's other expired tokens are deleted then and at login."""

    def authenticate_credentials(self, token: bytes):
        message = "Invalid token."
        # Garbage in the header (a byte that is not UTF-8, a NUL PostgreSQL refuses in a query, a
        # megabyte) is a 401 like any unknown token, never a 500. Keys are hex (knox's prefix aside).
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(message) from None
        if len(token) > MAX_TOKEN_LENGTH or not token.isprintable():
            raise exceptions.AuthenticationFailed(message)
        candidates = AuthToken.objects.filter(token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH]).select_related(
            "user", "user__employer_user"
        )
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                user = auth_token.user
                auth_token.delete()
                delete_expired_tokens(user)
                token_expired.send(sender=self.__class__, username=user.get_username(), source="auth_token")
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)


def delete_expired_tokens(user) -> None:
    """The user's tokens past their expiry (knox's housekeeping, done when a token is used or
    made rather than on every request)."""
    for expired in AuthToken.objects.filter(user=user, expiry__lt=timezone.now()):
        expired.delete()
        token_expired.send(sender=TokenAuthentication, username=user.get_username(), source="other_token")
