"""Token authentication for the phone API (kept apart from the views: DRF imports the
authentication classes while it loads its own views module)."""

import binascii
from hmac import compare_digest

from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from knox import auth as knox_auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from unioncore.models import User
from unioncore.sql import Compiled

MAX_TOKEN_LENGTH = 256


class TokenAuthentication(knox_auth.TokenAuthentication):
    """knox's `Authorization: Token <key>`, in one query: the token with its user and the user's
    employer link (which every visibility rule reads next), where knox reads the token and its
    user, then every other token of the user to delete the expired ones — a second query on
    every request. A token past its expiry is still refused and deleted on use (with knox's
    `token_expired` signal); the user's other expired tokens are deleted then and at login. The
    query is compiled once (`token_candidates`), and the digest compared as knox compares it."""

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
        for auth_token in token_candidates(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
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


# The token's, its user's and the user's employer link's columns: what
# `select_related("user", "user__employer_user")` reads, as `values()` names them.
EmployerUser = User._meta.get_field("employer_user").related_model  # dispatch's, named by the relation
TOKEN_FIELDS = [f.attname for f in AuthToken._meta.concrete_fields]
USER_FIELDS = [f.attname for f in User._meta.concrete_fields]
LINK_FIELDS = [f.attname for f in EmployerUser._meta.concrete_fields]


def _candidates(shape, *, token_key):
    return AuthToken.objects.filter(token_key=token_key).values(
        *TOKEN_FIELDS,
        *(f"user__{name}" for name in USER_FIELDS),
        *(f"user__employer_user__{name}" for name in LINK_FIELDS),
    )


_CANDIDATES = Compiled(_candidates, text=("token_key",))


def token_candidates(token_key: str) -> list[AuthToken]:
    """The tokens whose key is `token_key`, each with its user and the user's employer link (or
    none) loaded, as `select_related("user", "user__employer_user")` leaves them — from one query
    compiled once (`unioncore.sql.Compiled`), not built and compiled by the ORM on every request
    (the request's largest cost after its page: decision 0066). Instances are made by `from_db`,
    as the ORM makes them."""
    tokens = []
    for row in _CANDIDATES.rows("by key", 0, None, token_key=token_key):
        token = AuthToken.from_db(DEFAULT_DB_ALIAS, TOKEN_FIELDS, [row[name] for name in TOKEN_FIELDS])
        user = User.from_db(DEFAULT_DB_ALIAS, USER_FIELDS, [row[f"user__{name}"] for name in USER_FIELDS])
        link = None
        if row["user__employer_user__id"] is not None:
            values = [row[f"user__employer_user__{name}"] for name in LINK_FIELDS]
            link = EmployerUser.from_db(DEFAULT_DB_ALIAS, LINK_FIELDS, values)
            link._state.fields_cache["user"] = user
        user._state.fields_cache["employer_user"] = link  # None: "no link", as select_related caches it
        token._state.fields_cache["user"] = user
        tokens.append(token)
    return tokens
