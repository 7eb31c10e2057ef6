"""Phone-app tokens (issue 20, finding 9): a token does not outlive the password it was got
with, nor a deactivation (not even after a reactivation); the console shows a user's devices
and signs one or all of them out."""

import pytest
from django.contrib import admin
from django.urls import reverse
from knox.models import AuthToken

from unioncore import services
from unioncore.api.testing import SchemaCheckedClient as APIClient
from unioncore.models import User
from unioncore.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return UserFactory(username="sparky", phone="+12065550134")


def device(user) -> APIClient:
    """A phone signed in through the API, as the app does it."""
    client = APIClient()
    token = client.post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200
    return client


@pytest.fixture
def console(client):
    client.force_login(StaffFactory(groups=["admin"]))
    return client


def test_a_password_changed_in_the_console_signs_out_every_device(fresh_throttles, console, member):
    phone, tablet = device(member), device(member)
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    response = console.post(url, {"password1": "N3w-long-passphrase", "password2": "N3w-long-passphrase"})
    assert response.status_code == 302, response.content[:500]
    assert phone.get("/api/v1/me/").status_code == 401
    assert tablet.get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(user=member).exists()


def test_a_password_changed_anywhere_signs_out_every_device(fresh_throttles, member):
    phone = device(member)
    member.set_password("N3w-long-passphrase")
    member.save()
    response = phone.get("/api/v1/me/")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "authentication_failed")
    new_login = APIClient().post(
        "/api/v1/auth/login/", {"username": "sparky", "password": "N3w-long-passphrase"}, format="json"
    )
    assert new_login.status_code == 200, "the new password signs the phone in again"


def test_a_deactivated_account_is_signed_out_and_stays_out_when_reactivated(fresh_throttles, member):
    phone = device(member)
    member.is_active = False
    member.save()
    member.is_active = True
    member.save()
    assert phone.get("/api/v1/me/").status_code == 401, "the old token came back with the account"


def test_a_password_hash_upgrade_at_login_keeps_the_devices(fresh_throttles, member, settings):
    """Django rehashes a password at login when the hasher changed: not a new password."""
    phone = device(member)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    device(member)  # logs in again: the MD5 hash is upgraded to PBKDF2
    assert User.objects.get(pk=member.pk).password.startswith("pbkdf2_")
    assert phone.get("/api/v1/me/").status_code == 200


def test_the_console_shows_a_users_devices_and_signs_one_out(fresh_throttles, console, member):
    phone, tablet = device(member), device(member)
    tokens = list(AuthToken.objects.filter(user=member).order_by("-created"))
    url = reverse("admin:unioncore_user_change", args=[member.pk])
    page = console.get(url).content.decode()
    assert "Phone-app devices" in page
    for token in tokens:
        assert f"{token.token_key[:6]}…" in page
        assert f"{token.digest} :" not in page, "a row is not titled by its digest"

    data = {"username": member.username, "kind": member.kind, "phone": str(member.phone), "email": member.email,
            "first_name": member.first_name, "last_name": member.last_name, "is_active": "on"}  # fmt: skip
    prefix = "auth_token_set"
    data.update({f"{prefix}-TOTAL_FORMS": 2, f"{prefix}-INITIAL_FORMS": 2, f"{prefix}-MIN_NUM_FORMS": 0,
                 f"{prefix}-MAX_NUM_FORMS": 1000, f"{prefix}-0-digest": tokens[0].digest,
                 f"{prefix}-0-user": member.pk, f"{prefix}-0-DELETE": "on",
                 f"{prefix}-1-digest": tokens[1].digest, f"{prefix}-1-user": member.pk})  # fmt: skip
    response = console.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert list(AuthToken.objects.filter(user=member)) == [tokens[1]]
    assert [tablet.get("/api/v1/me/").status_code, phone.get("/api/v1/me/").status_code] == [401, 200]
    assert "signed out of 1 phone-app device(s)" in member.history.first().history_change_reason


def test_the_console_action_signs_a_user_out_of_every_device(fresh_throttles, console, member):
    phone = device(member)
    other = device(UserFactory())
    response = console.post(
        reverse("admin:unioncore_user_changelist"), {"action": "sign_out_devices", "_selected_action": [member.pk]}
    )
    assert response.status_code == 302
    assert phone.get("/api/v1/me/").status_code == 401
    assert other.get("/api/v1/me/").status_code == 200


def test_no_one_mints_a_token_in_the_console():
    assert not admin.site.is_registered(AuthToken)


def test_revoking_writes_the_history_only_when_something_was_revoked(member, dispatcher):
    assert services.api_tokens_revoke(user_id=member.pk, by=dispatcher, reason="Signed out from the console") == 0
    assert member.history.count() == 1
