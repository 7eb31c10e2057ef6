"""unioncore.sql.Compiled (decision 0063): a values() queryset compiled once, run with other ids,
gives what the ORM gives for those ids, and refuses a query whose id it could not replace.
Marked `sqlite`: the converters of each database are applied as the ORM applies them."""

import pytest
from django.db.models import F, Q

from unioncore.models import User, UserKind
from unioncore.sql import Compiled
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

COLUMNS = ("id", "username", "is_active", "date_joined", "last_login")


def _users(shape, *, user_id):
    """Everyone, or the user `user_id` and those after them (the id twice in the SQL)."""
    users = User.objects.order_by("id")
    if shape == "from":
        users = users.filter(Q(pk=user_id) | Q(pk__gt=user_id))
    return users.values(*COLUMNS, name=F("first_name"))


USERS = Compiled(_users)


def test_rows_are_the_orms_rows_for_each_callers_ids_from_one_compiled_query():
    first, second, third = (UserFactory(kind=UserKind.MEMBER) for _ in range(3))
    StaffFactory()
    for user in (third, first, second):
        assert USERS.rows("from", 0, 10, user_id=user.pk) == list(_users("from", user_id=user.pk)[0:10])
    assert len(USERS.rows("from", 0, 10, user_id=second.pk)) == 3  # second, third and the staff user
    # a page further on, and nothing past the end
    assert USERS.rows("all", 1, 3, user_id=None) == list(_users("all", user_id=None)[1:3])
    assert USERS.rows("all", 50, 60, user_id=None) == []


def test_a_value_the_query_does_not_use_is_refused_rather_than_ignored():
    user = UserFactory()
    with pytest.raises(ValueError, match="user_id: given, but not a parameter"):
        USERS.rows("all", 0, 10, user_id=user.pk)


def test_a_value_missing_where_the_query_uses_it_is_refused():
    with pytest.raises(ValueError, match="user_id is used by this query but given as None"):
        USERS.rows("from", 0, 10, user_id=None)


def test_a_query_that_writes_its_id_into_the_sql_cannot_be_compiled_for_others():
    inlined = Compiled(lambda shape, *, user_id: User.objects.extra(where=[f"id = {user_id}"]).values("id"))
    with pytest.raises(ValueError, match="written into the SQL"):
        inlined.rows("one", 0, 10, user_id=UserFactory().pk)


def test_a_sliced_queryset_is_refused():
    sliced = Compiled(lambda shape, *, user_id: User.objects.filter(pk=user_id).values("id")[:5])
    with pytest.raises(ValueError, match="sliced"):
        sliced.rows("one", 0, 10, user_id=1)
