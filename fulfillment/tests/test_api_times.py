"""Times on the phone API (issue 21, decision 0041): one offset convention in what it writes (the
hall's zone, with its offset, inside `*_times` too), and a time without an offset refused with a
400 naming the field on the live endpoints, as offline sync refuses it."""

import datetime
import uuid

import pytest

from fulfillment.models import TimeLog
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)
NAIVE = "2026-12-07T15:00:00"  # read in the hall's zone it would be 3 PM; sent by a phone in UTC, 7 AM


def _clock_in(shift, device_time):
    body = {"dispatch": shift.dispatch.pk, "client_uuid": str(uuid.uuid4()), "device_time": device_time}
    return body


def _stopped(shift, api_as, clock) -> int:
    worker = api_as(shift.worker)
    response = worker.post("/api/v1/timelogs/clock-in/", _clock_in(shift, at(MONDAY, 7).isoformat()), format="json")
    log_id = response.json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    stop = {"type": "clock_out", "client_uuid": str(uuid.uuid4()), "device_time": at(MONDAY, 15).isoformat()}
    assert worker.post(f"/api/v1/timelogs/{log_id}/events/", stop, format="json").status_code == 200
    return log_id


def test_a_clock_in_without_an_offset_is_a_400_naming_the_field_and_clocks_nothing(shift, api_as):
    response = api_as(shift.worker).post("/api/v1/timelogs/clock-in/", _clock_in(shift, NAIVE), format="json")
    assert response.status_code == 400
    assert "offset" in response.json()["error"]["fields"]["device_time"]
    assert not TimeLog.objects.filter(worker=shift.worker).exists()


def test_a_supervisor_edit_without_an_offset_is_a_400_and_changes_nothing(shift, api_as, clock):
    log_id = _stopped(shift, api_as, clock)
    supervisor = api_as(shift.supervisor)
    edit = {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": NAIVE, "note": "Left at 3"}
    response = supervisor.post(f"/api/v1/timelogs/{log_id}/edit/", edit, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"clock_out"}
    assert TimeLog.objects.get(pk=log_id).status == "pending_verification"

    entry = {"dispatch": shift.dispatch.pk, "start": "2026-12-07T07:00:00", "end": at(MONDAY, 8).isoformat()}
    response = api_as(shift.worker).post("/api/v1/timelogs/retroactive/", entry, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start"}


def test_every_instant_the_api_writes_carries_the_hall_s_offset(shift, api_as, clock):
    log_id = _stopped(shift, api_as, clock)
    edit = {"clock_in": "2026-12-07T15:00:00Z", "clock_out": "2026-12-07T22:00:00Z", "note": "Left at 2"}
    body = api_as(shift.supervisor).post(f"/api/v1/timelogs/{log_id}/edit/", edit, format="json").json()
    assert body["clock_in_at"] == "2026-12-07T07:00:00-08:00"
    assert body["clock_out_at"] == "2026-12-07T15:00:00-08:00"
    assert body["worker_times"]["clock_out"] == "2026-12-07T15:00:00-08:00"
    # The same instants the supervisor sent in UTC, written back in the hall's zone.
    assert body["supervisor_times"]["clock_in"] == "2026-12-07T07:00:00-08:00"
    assert body["supervisor_times"]["clock_out"] == "2026-12-07T14:00:00-08:00"
    listed = api_as(shift.worker).get("/api/v1/timelogs/").json()["results"][0]
    assert listed["supervisor_times"] == body["supervisor_times"]
