"""unioncore.sql.Statement (decision 0064): a statement built and compiled once per shape, sent
again with other ints and datetimes, selects what the ORM's own statement selects for those
values, and refuses a statement whose value it could not replace."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from unioncore.models import User
from unioncore.sql import Statement
from unioncore.tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(reason="Statement serves PostgreSQL's statements (SQLite's datetimes go as text)"),
]


def _joined(limit: int, *, after: datetime.datetime, user_id: int):
    """The users who joined after `after`, other than `user_id`, at most `limit` (a LIMIT is text)."""
    users = User.objects.filter(date_joined__gt=after).exclude(pk=user_id).order_by("pk")[:limit]
    return users.values_list("pk").query.sql_with_params()


JOINED = Statement(_joined)


def _run(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_each_call_sends_its_own_values_through_the_one_compiled_statement(monkeypatch):
    now = timezone.now()
    users = [UserFactory(date_joined=now - datetime.timedelta(days=n)) for n in range(4)]  # newest first
    built = []
    monkeypatch.setattr(JOINED, "build", lambda *a, **k: built.append(a) or _joined(*a, **k))
    monkeypatch.setattr(JOINED, "_templates", {})
    for days, user in ((2, users[0]), (3, users[1]), (10, users[3])):
        after = now - datetime.timedelta(days=days, hours=1)
        expected = _run(*_joined(10, after=after, user_id=user.pk))
        assert _run(*JOINED.sql(10, after=after, user_id=user.pk)) == expected
        assert user.pk not in expected
    after = now - datetime.timedelta(days=10)
    two = _run(*JOINED.sql(2, after=after, user_id=users[0].pk))
    assert two == _run(*_joined(2, after=after, user_id=users[0].pk))
    assert len(two) == 2
    assert users[0].pk not in two
    assert built == [(10,), (2,)], "compiled once per shape"


def test_a_value_the_statement_does_not_use_is_refused():
    unused = Statement(lambda shape, *, user_id, after: _joined(shape, after=after, user_id=0))
    with pytest.raises(ValueError, match="user_id: given, but not a parameter"):
        unused.sql(5, user_id=1, after=timezone.now())


def test_a_value_written_into_the_sql_is_refused():
    def inlined(shape, *, user_id):
        return User.objects.extra(where=[f"id <> {user_id}"]).values_list("pk").query.sql_with_params()

    with pytest.raises(ValueError, match="written into the SQL"):
        Statement(inlined).sql("one", user_id=1)


def test_only_ints_and_datetimes_have_stand_ins():
    with pytest.raises(TypeError, match="not str"):
        Statement(lambda shape, *, name: ("SELECT %s", [name])).sql("one", name="x")
