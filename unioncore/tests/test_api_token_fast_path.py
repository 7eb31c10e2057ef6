"""The token check's one query is compiled once (decision 0066): each candidate token comes back
with its user and the user's employer link exactly as `select_related("user",
"user__employer_user")` gives them — every column, the link or its absence — with no query
more, and only the tokens of the key asked for. Both databases."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from knox.settings import CONSTANTS

from dispatch.enums import EmployerRole
from fulfillment.tests.factories import SiteUserFactory
from unioncore.api.authentication import token_candidates
from unioncore.models import User
from unioncore.tests.factories import UserFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]


def _columns(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def _orm(key: str) -> list[AuthToken]:
    return list(AuthToken.objects.filter(token_key=key).select_related("user", "user__employer_user"))


def test_each_token_is_the_orms_token_with_its_user_and_employer_link():
    member = UserFactory()
    supervisor = SiteUserFactory(role=EmployerRole.ADMIN).user
    expired = AuthToken.objects.create(member, expiry=datetime.timedelta(seconds=-1))[1]
    keys = [AuthToken.objects.create(user)[1][: CONSTANTS.TOKEN_KEY_LENGTH] for user in (member, supervisor)]
    for key in [*keys, expired[: CONSTANTS.TOKEN_KEY_LENGTH]]:
        (expected,) = _orm(key)
        with CaptureQueriesContext(connection) as queries:
            (token,) = token_candidates(key)
            user = token.user
            link = getattr(user, "employer_user", None)
        assert len(queries) == 1, "one query, the user and the link with it"
        assert _columns(token) == _columns(expected)
        assert _columns(user) == _columns(expected.user)
        assert type(user) is User
        assert user.phone == expected.user.phone  # the phone field's own type, through its converter
        expected_link = getattr(expected.user, "employer_user", None)
        if expected_link is None:
            assert link is None
            with pytest.raises(User.employer_user.RelatedObjectDoesNotExist):
                user.employer_user  # noqa: B018  (as select_related leaves a user with no link)
        else:
            assert _columns(link) == _columns(expected_link)
            assert link.user is user
        assert not token._state.adding
        assert token._state.db == expected._state.db


def test_only_the_keys_tokens_come_back_and_an_unknown_key_gives_none():
    first, second = UserFactory(), UserFactory()
    key = AuthToken.objects.create(first)[1][: CONSTANTS.TOKEN_KEY_LENGTH]
    AuthToken.objects.create(second)
    assert [t.user_id for t in token_candidates(key)] == [first.pk]
    assert token_candidates("ffffffff") == []
    assert token_candidates("'; --") == []


def test_a_token_read_so_can_be_deleted_as_an_expired_one_is():
    user = UserFactory()
    token = AuthToken.objects.create(user, expiry=datetime.timedelta(seconds=-1))[1]
    (candidate,) = token_candidates(token[: CONSTANTS.TOKEN_KEY_LENGTH])
    assert candidate.expiry < timezone.now()
    candidate.delete()
    assert not AuthToken.objects.filter(user=user).exists()
