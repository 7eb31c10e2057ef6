"""Bad input to the phone API (issue 20, finding 5): each of the review's repros answers a 4xx
in the error format and changes nothing; on 142bdc0 each was a 500."""

import datetime
import uuid

import pytest
import time_machine

from dispatch.tests.factories import EmployerFactory
from fulfillment.models import TimeLogOfflineSync
from fulfillment.services.timelogs import timelog_clock_in
from fulfillment.tests.factories import on_the_job
from members.tests.factories import MemberFactory
from unioncore.api.testing import SchemaCheckedClient as APIClient
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def shift(dispatcher, api_as):
    """A member clocked in on Monday at 7:00; the test runs at 11:00 that day."""
    with time_machine.travel(at(MONDAY, 7), tick=False):
        worker = UserFactory(kind=UserKind.MEMBER)
        dispatch = on_the_job(worker=MemberFactory(user=worker), employer=EmployerFactory(), by=dispatcher, day=MONDAY)
        time_log = timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=at(MONDAY, 7))
    client = api_as(worker)
    client.raise_request_exception = False  # a 500 must show as one, not as the test's error
    with time_machine.travel(at(MONDAY, 11), tick=False):
        yield {"client": client, "dispatch": dispatch, "time_log": time_log}


def error_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:300]
    error = response.json()["error"]
    assert error["code"], error
    assert error["message"], error
    return error


def sync(shift, **fields):
    event = {"client_uuid": str(uuid.uuid4()), "type": "break_start", "device_time": "2026-12-07T10:00:00-08:00",
             "timelog": shift["time_log"].pk, **fields}  # fmt: skip
    return shift["client"].post("/api/v1/sync/", {"events": [event]}, format="json")


@pytest.mark.parametrize("key", [b"\xe9", b"\xff\xfe", b"abc\x00def", b"a" * 5000])
def test_a_token_that_is_not_a_token_is_a_401(fresh_throttles, key):
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token " + key.decode("latin-1"))
    assert error_of(response, 401)["code"] == "authentication_failed"


@pytest.mark.sqlite
@pytest.mark.parametrize("dispatch", ["99999999999999999999", "-99999999999999999999", "1.5", "x"])
def test_a_dispatch_id_no_key_can_hold_is_a_400_naming_it(shift, dispatch):
    """On SQLite (`make run`) a number past 64 bits was a 500: it cannot even be compared."""
    error = error_of(shift["client"].get("/api/v1/timelogs/", {"dispatch": dispatch}))
    assert "dispatch" in error["fields"]


def test_a_dispatch_filter_within_range_lists_that_dispatchs_shifts_or_none(shift):
    listed = shift["client"].get("/api/v1/timelogs/", {"dispatch": shift["dispatch"].pk}).json()
    assert [row["id"] for row in listed["results"]] == [shift["time_log"].pk]
    assert shift["client"].get("/api/v1/timelogs/", {"dispatch": -1}).json()["count"] == 0


def test_deeply_nested_json_at_login_is_a_400_before_any_account_is_read(fresh_throttles):
    client = APIClient(raise_request_exception=False)
    for body in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50 + "1" + "}" * 50):
        response = client.post("/api/v1/auth/login/", body, content_type="application/json")
        assert error_of(response)["code"] == "parse_error"


def test_a_sync_location_of_nan_is_a_400_naming_it(shift):
    for value in ("NaN", "Infinity", "-inf"):
        response = sync(shift, type="clock_in", timelog=None, dispatch=shift["dispatch"].pk,
                        payload={"lat": value, "lng": -122.3})  # fmt: skip
        assert set(error_of(response)["fields"]["events"]["0"]["payload"]) == {"lat"}, value
    assert not TimeLogOfflineSync.objects.exists()


def test_a_sync_type_that_is_not_text_is_a_400(shift):
    for value in ({}, [], 7):
        error = error_of(sync(shift, type=value))
        assert error["fields"] == {"events": {"0": {"type": "The event type must be text."}}}
    assert not TimeLogOfflineSync.objects.exists()


def test_a_nul_character_anywhere_in_a_sync_batch_is_a_400(shift):
    for fields in ({"type": "break\x00start"}, {"payload": {"note": "a\x00b"}}, {"payload": {"a\x00": 1}}):
        assert error_of(sync(shift, **fields))["code"] == "parse_error", fields
    assert not TimeLogOfflineSync.objects.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T00:00:00Z"])
def test_a_device_time_at_the_calendars_ends_is_a_400_naming_it(shift, moment):
    error = error_of(sync(shift, device_time=moment))
    assert set(error["fields"]["events"]["0"]) == {"device_time"}
    body = {"dispatch": shift["dispatch"].pk, "client_uuid": str(uuid.uuid4()), "device_time": moment}
    error = error_of(shift["client"].post("/api/v1/timelogs/clock-in/", body, format="json"))
    assert set(error["fields"]) == {"device_time"}
    assert not TimeLogOfflineSync.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2200-01-01"])
def test_a_time_log_date_filter_outside_the_plausible_years_is_a_400(shift, day):
    error = error_of(shift["client"].get(f"/api/v1/timelogs/?date={day}"))
    assert set(error["fields"]) == {"date"}


def test_a_time_log_date_filter_inside_them_still_filters(shift):
    response = shift["client"].get("/api/v1/timelogs/?date=2026-12-07")
    assert response.json()["count"] == 1
    assert shift["client"].get("/api/v1/timelogs/?date=2026-12-08").json()["count"] == 0


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00"])
def test_retroactive_and_draft_times_at_the_calendars_ends_are_400s(shift, moment):
    body = {"dispatch": shift["dispatch"].pk, "start": moment, "end": at(MONDAY, 10).isoformat(), "note": "x"}
    error = error_of(shift["client"].post("/api/v1/timelogs/retroactive/", body, format="json"))
    assert set(error["fields"]) == {"start"}
    body = {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": moment}
    error = error_of(shift["client"].patch(f"/api/v1/timelogs/{shift['time_log'].pk}/", body, format="json"))
    assert set(error["fields"]) == {"clock_out"}


def test_a_second_manual_entry_of_the_same_hours_is_a_409_not_a_500(shift):
    """Found by the fuzz: the second entry met the first, waiting for the supervisor, and the
    state machine refused the change the service had not checked (a 500)."""
    body = {"dispatch": shift["dispatch"].pk, "start": at(MONDAY, 7).isoformat(), "end": at(MONDAY, 10).isoformat()}
    first = shift["client"].post("/api/v1/timelogs/retroactive/", body, format="json")
    assert first.status_code == 201, first.content
    second = shift["client"].post("/api/v1/timelogs/retroactive/", {**body, "note": "again"}, format="json")
    assert error_of(second, 409)["code"] == "overlaps_waiting"
