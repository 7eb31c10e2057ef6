from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone

from unioncore import services
from unioncore.errors import RuleViolation
from unioncore.models import User
from unioncore.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def fail_admin_login(client, username, times):
    for _ in range(times):
        response = client.post(reverse("admin:login"), {"username": username, "password": "wrong"})
        assert response.status_code == 200


def test_five_failed_admin_logins_lock_the_account_for_fifteen_minutes(client):
    staff = StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False):
        fail_admin_login(client, "dispatch1", 5)
        staff.refresh_from_db()
        assert staff.locked_until == NOON + timedelta(minutes=15)


def test_the_sixth_attempt_with_the_right_password_is_refused_in_the_words_of_a_wrong_one(client):
    """Issue 20: "locked" would tell a stranger the account exists; the lock is refused exactly
    as a wrong password for an account that does not exist is."""
    StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False):
        fail_admin_login(client, "dispatch1", 5)
        response = client.post(reverse("admin:login"), {"username": "dispatch1", "password": PASSWORD})
        assert "_auth_user_id" not in client.session  # on that day: a later day's expiry would hide a session
        stranger = client.post(reverse("admin:login"), {"username": "nobody9", "password": PASSWORD})
    assert response.status_code == 200, "the login page is shown again, not the console"
    assert errornote(response) == errornote(stranger)
    assert "locked" not in response.content.decode()


def errornote(response) -> str:
    page = response.content.decode()
    return page[page.index('class="errornote"') :].split("</p>")[0]


def test_the_lock_lifts_after_fifteen_minutes(client):
    StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False):
        fail_admin_login(client, "dispatch1", 5)
    with time_machine.travel(NOON + timedelta(minutes=14, seconds=59), tick=False):
        response = client.post(reverse("admin:login"), {"username": "dispatch1", "password": PASSWORD})
        assert "_auth_user_id" not in client.session
    with time_machine.travel(NOON + timedelta(minutes=15, seconds=1), tick=False):
        response = client.post(reverse("admin:login"), {"username": "dispatch1", "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"]  # read on that day: the session lasts two weeks


def test_four_failures_do_not_lock_and_a_success_forgets_them(client):
    staff = StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False):
        fail_admin_login(client, "dispatch1", 4)
        client.post(reverse("admin:login"), {"username": "dispatch1", "password": PASSWORD})
        client.logout()
        fail_admin_login(client, "dispatch1", 4)
    staff.refresh_from_db()
    assert staff.locked_until is None
    assert staff.failed_login_count == 4


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client):
    staff = StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False) as clock:
        fail_admin_login(client, "dispatch1", 4)
        clock.shift(timedelta(minutes=16))
        fail_admin_login(client, "dispatch1", 1)
    staff.refresh_from_db()
    assert staff.locked_until is None


def test_attempts_during_a_lock_do_not_extend_it(client):
    staff = StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False) as clock:
        fail_admin_login(client, "dispatch1", 5)
        clock.shift(timedelta(minutes=10))
        fail_admin_login(client, "dispatch1", 5)
    staff.refresh_from_db()
    assert staff.locked_until == NOON + timedelta(minutes=15)


def test_any_path_through_authenticate_counts_and_is_refused_while_locked():
    """The portal and the API log in through django.contrib.auth.authenticate too."""
    member = UserFactory(username="0012345", phone="+12065550100")
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            assert authenticate(None, username="206-555-0100", password="nope") is None
        member.refresh_from_db()
        assert member.is_locked
        assert authenticate(None, username="0012345", password=PASSWORD) is None


def test_login_service_refuses_the_lock_as_it_refuses_a_bad_password():
    UserFactory(username="0012345")
    with pytest.raises(RuleViolation) as bad:
        services.login_authenticate(request=None, identifier="0012345", password="nope")
    assert bad.value.code == "invalid_credentials"
    for _ in range(4):
        with pytest.raises(RuleViolation):
            services.login_authenticate(request=None, identifier="0012345", password="nope")
    with pytest.raises(RuleViolation) as locked:
        services.login_authenticate(request=None, identifier="0012345", password=PASSWORD)
    assert (locked.value.code, locked.value.message) == (bad.value.code, bad.value.message)


def test_login_by_phone_in_any_usual_writing():
    user = UserFactory(username="0012345", phone="+12065550100")
    assert services.login_authenticate(request=None, identifier="(206) 555-0100", password=PASSWORD) == user


def test_staff_clear_the_lock_from_the_admin_and_the_history_names_them(client):
    locked = UserFactory(username="0012345", locked_until=timezone.now() + timedelta(minutes=10))
    admin_user = StaffFactory(groups=["admin"])
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:unioncore_user_changelist"),
        {"action": "clear_login_lock", "_selected_action": [locked.pk]},
        follow=True,
    )
    assert "Login lock cleared" in response.content.decode()
    locked.refresh_from_db()
    assert locked.locked_until is None
    latest = locked.history.first()
    assert latest.history_user == admin_user
    assert latest.history_change_reason == "Login lock cleared"


def test_the_lock_is_visible_in_the_admin_user_list(client):
    UserFactory(username="0012345", locked_until=timezone.now() + timedelta(minutes=10))
    client.force_login(StaffFactory(groups=["admin"]))
    response = client.get(reverse("admin:unioncore_user_changelist"), {"locked": "yes"})
    page = response.content.decode()
    assert "0012345" in page
    assert "until" in page


def test_the_lock_writes_one_history_row_and_the_failed_attempts_none():
    user = UserFactory(username="0012345")
    before = user.history.count()
    for _ in range(5):
        authenticate(None, username="0012345", password="nope")
    rows = list(User.objects.get(pk=user.pk).history.all()[: user.history.count() - before])
    assert [r.history_change_reason for r in rows] == ["Locked after 5 failed logins"]


def test_an_unknown_username_is_an_ordinary_refusal_not_an_error(client):
    response = client.post(reverse("admin:login"), {"username": "nobody-here", "password": "whatever"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()
