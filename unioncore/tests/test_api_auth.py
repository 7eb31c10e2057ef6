"""Logging in from a phone: tokens per device, the account lock, logout, the error format."""

import pytest
from django.urls import reverse
from knox.models import AuthToken

from unioncore.api.errors import status_for
from unioncore.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


@pytest.fixture
def member(db):
    return UserFactory(username="sparky", phone="+12065550134")


def test_a_member_logs_in_by_username_and_gets_a_token_that_works(api, member):
    response = api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["username"] == "sparky"
    assert body["expires_at"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/v1/me/").json()["id"] == member.pk


def test_a_member_logs_in_by_phone_in_any_usual_writing(api, member):
    response = api.post(LOGIN, {"phone": "(206) 555-0134", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == member.pk


def test_the_token_is_stored_hashed(api, member):
    token = api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json").json()["token"]
    stored = AuthToken.objects.get(user=member)
    assert token not in (stored.digest, stored.token_key)


def test_a_wrong_password_is_a_400_with_the_service_code(api, member):
    response = api.post(LOGIN, {"username": "sparky", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"


def test_five_bad_passwords_lock_the_account_even_for_the_right_one(api, member):
    for _ in range(5):
        api.post(LOGIN, {"username": "sparky", "password": "nope"}, format="json")
    response = api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json")
    wrong = api.post(LOGIN, {"username": "sparky", "password": "nope"}, format="json")
    assert response.json() == wrong.json(), "a lock answers as a wrong password (issue 20)"
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.is_locked


def test_login_without_a_username_or_phone_names_the_field(api):
    response = api.post(LOGIN, {"password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "username" in response.json()["error"]["fields"]


def test_login_is_throttled(api, member, settings):
    for _ in range(10):
        api.post(LOGIN, {"username": "nobody", "password": "x"}, format="json")
    response = api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"


def test_logout_revokes_this_device_only(api_as, member):
    phone, tablet = api_as(member), api_as(member)
    assert phone.post("/api/v1/auth/logout/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert tablet.get("/api/v1/me/").status_code == 200


def test_without_a_token_it_is_a_401_in_the_error_format(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_bad_token_is_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Token " + "x" * 64)
    assert api.get("/api/v1/me/").status_code == 401


def test_an_unknown_url_under_the_api_is_not_a_500(api_as, member):
    assert api_as(member).get("/api/v1/timelogs/999999/").status_code in (404, 405)


def test_rule_codes_map_to_http_statuses():
    codes = ("not_found", "not_allowed", "wrong_status", "already_bid", "overlaps_final", "idempotency_key_reused")
    assert [status_for(c) for c in (*codes, "note_required")] == [404, 403, 409, 409, 409, 422, 400]


def test_the_schema_is_served_and_valid(api):
    from drf_spectacular.validation import validate_schema

    response = api.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["info"]["title"] == "UnionCore phone API"
    assert "/api/v1/timelogs/clock-in/" in schema["paths"]


def test_the_schema_ui_is_served(api):
    assert api.get(reverse("schema-ui")).status_code == 200


def test_a_token_stops_working_once_its_ttl_has_passed(api, member, settings):
    import datetime

    import time_machine
    from django.utils import timezone

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        body = api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    with time_machine.travel(now + ttl - datetime.timedelta(minutes=1), tick=False):
        assert api.get("/api/v1/me/").status_code == 200
    with time_machine.travel(now + ttl + datetime.timedelta(minutes=1), tick=False):
        response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_logging_out_one_device_leaves_the_other_logged_in(member, fresh_throttles):
    from unioncore.api.testing import SchemaCheckedClient as APIClient

    phone, tablet = APIClient(), APIClient()
    for device in (phone, tablet):
        token = device.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json").json()["token"]
        device.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert AuthToken.objects.filter(user=member).count() == 2
    assert phone.post("/api/v1/auth/logout/").status_code == 204
    assert phone.get("/api/v1/me/").status_code == 401
    assert tablet.get("/api/v1/me/").json()["id"] == member.pk
    assert AuthToken.objects.filter(user=member).count() == 1


def test_a_token_is_checked_in_one_query_and_expired_tokens_go_at_the_next_login(api, member):
    """The token, its user and the user's employer link in one query (knox read every token of
    the user on every request, to delete the expired ones); those are deleted at login instead."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    old, _ = AuthToken.objects.create(member, expiry=datetime.timedelta(days=1))
    AuthToken.objects.filter(pk=old.pk).update(expiry=timezone.now() - datetime.timedelta(minutes=1))
    _, token = AuthToken.objects.create(member)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with CaptureQueriesContext(connection) as queries:
        assert api.post("/api/v1/auth/logout/").status_code == 204
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 1, selects
    assert "dispatch_employeruser" in selects[0]
    assert AuthToken.objects.filter(user=member).count() == 1  # the expired one, still there
    api.credentials()
    assert api.post(LOGIN, {"username": "sparky", "password": PASSWORD}, format="json").status_code == 200
    assert AuthToken.objects.filter(user=member).count() == 1  # the new one
    assert not AuthToken.objects.filter(user=member, expiry__lt=timezone.now()).exists()
