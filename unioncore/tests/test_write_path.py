"""The one write path with history (unioncore.audit): `create_with_history` and
`update_with_history` write what `save()` and simple-history would, on PostgreSQL by one
statement and on the embedded SQLite of `make run` through the ORM. Marked `sqlite`: `make test`
runs this module on both databases, so neither branch goes untested (issue 23, item 2)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.enums import ExemptReason
from members.models import Member
from members.tests.factories import MemberFactory
from unioncore.audit import create_with_history, update_with_history
from unioncore.models import LoginLink
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

HISTORY = ("history_type", "history_user_id", "history_change_reason", "history_date")


def test_the_run_is_on_the_database_its_settings_name(settings):
    expected = "sqlite" if settings.SETTINGS_MODULE.endswith(".test_sqlite") else "postgresql"
    assert connection.vendor == expected


def test_create_with_history_writes_the_row_and_the_history_row_save_would():
    user, actor = UserFactory(), StaffFactory()
    expires = timezone.now() + datetime.timedelta(minutes=15)
    saved = LoginLink(user=user, token_hash="a" * 64, expires_at=expires)
    saved._history_user, saved._change_reason = actor, "Sent"
    saved.save()
    inserted = LoginLink(user=user, token_hash="b" * 64, expires_at=expires)
    create_with_history(inserted, by=actor, reason="Sent")

    assert inserted.pk is not None
    assert not inserted._state.adding
    stored = LoginLink.objects.get(pk=inserted.pk)
    assert (stored.token_hash, stored.expires_at, stored.created_at) == ("b" * 64, expires, inserted.created_at)
    columns = ("user_id", "expires_at", "used_at", "history_type", "history_user_id", "history_change_reason")
    by_save = LoginLink.history.filter(id=saved.pk).values(*columns).get()
    by_insert = LoginLink.history.filter(id=inserted.pk).values(*columns).get()
    assert by_insert == by_save
    assert not hasattr(LoginLink.history.get(id=inserted.pk), "token_hash")  # the digest is not copied


def test_update_with_history_writes_the_fields_and_one_change_each():
    """Text, a phone number, a date, a flag and a timestamp: each stored as given, one "~"
    history row per member naming the user, the reason and the moment, with the new values."""
    actor = StaffFactory()
    members = [MemberFactory(city="Seattle"), MemberFactory(city="Tacoma")]
    other = MemberFactory(city="Everett")
    at = timezone.now().replace(microsecond=123456)
    until = datetime.date(2027, 3, 31)
    for n, member in enumerate(members):
        member.city = f"Renton {n}"
        member.phone = f"+1206555010{n}"
        member.is_exempt, member.exempt_reason, member.exempt_until = True, ExemptReason.MILITARY, until
        member.updated_at = at
    fields = ["city", "phone", "is_exempt", "exempt_reason", "exempt_until", "updated_at"]

    update_with_history(members, fields, by=actor, reason="Moved", at=at)

    for n, member in enumerate(members):
        stored = Member.objects.get(pk=member.pk)
        assert (stored.city, str(stored.phone), stored.is_exempt, stored.exempt_reason, stored.exempt_until) == (
            f"Renton {n}", f"+1206555010{n}", True, "military", until,
        )  # fmt: skip
        assert stored.updated_at == at
        change = Member.history.filter(id=member.pk, history_type="~").values(*HISTORY, "city", "exempt_until").get()
        assert change == {
            "history_type": "~", "history_user_id": actor.pk, "history_change_reason": "Moved", "history_date": at,
            "city": f"Renton {n}", "exempt_until": until,
        }  # fmt: skip
    assert Member.objects.get(pk=other.pk).city == "Everett"
    assert not Member.history.filter(id=other.pk, history_type="~").exists()


def test_update_with_history_leaves_the_fields_not_named_as_stored():
    actor = StaffFactory()
    member = MemberFactory(city="Seattle", first_name="Ana")
    member.city, member.first_name = "Renton", "Anna"
    update_with_history([member], ["city"], by=actor, reason="Moved")
    stored = Member.objects.get(pk=member.pk)
    assert (stored.city, stored.first_name) == ("Renton", "Ana")


def test_update_with_history_of_nothing_writes_nothing():
    with CaptureQueriesContext(connection) as queries:
        update_with_history([], ["city"], by=StaffFactory.build(), reason="Moved")
    assert not queries.captured_queries
