"""Security (issue #11): one account lock for every way in. Each login path locks on its own
(test_login_lock.py: the console; test_api_auth.py: the phone API; test_portal_login.py: the
portal, its text-message links). Here the failures are spread over the three password paths,
as someone guessing would spread them, and the lock then holds on all three."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from unioncore.api.testing import api, fresh_throttles  # noqa: F401
from unioncore.tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
PHONE = "+12065550188"


def console(client, password):
    client.post(reverse("admin:login"), {"username": "dispatch7", "password": password})
    return client.session.get("_auth_user_id")


def phone_api(client, password):
    return client.post(reverse("api:login"), {"phone": "(206) 555-0188", "password": password}, format="json")


def portal(client, password):
    response = client.post(reverse("portal:login"), {"identifier": "dispatch7", "password": password})
    return response, client.session.get("_auth_user_id")


def test_5_failures_spread_over_3_login_paths_lock_the_account_on_all_3(api):  # noqa: F811
    user = StaffFactory(username="dispatch7", phone=PHONE)
    with time_machine.travel(NOON, tick=False):
        for _ in range(2):
            assert console(Client(), "wrong") is None
            assert phone_api(api, "wrong").status_code == 400
        portal(Client(), "wrong")
        user.refresh_from_db()
        assert user.locked_until == NOON + timedelta(minutes=15), "5 failures over 3 paths lock the account"

        assert console(Client(), PASSWORD) is None
        refused = phone_api(api, PASSWORD)
        assert (refused.status_code, refused.json()["error"]["code"]) == (400, "invalid_credentials")
        response, session = portal(Client(), PASSWORD)
        assert session is None
        assert "do not match" in response.content.decode()

    with time_machine.travel(NOON + timedelta(minutes=16), tick=False):
        assert console(Client(), PASSWORD) == str(user.pk), "the lock lifts after 15 minutes"
