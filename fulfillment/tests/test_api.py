"""Time logs through the phone API: a shift, verification, idempotent clock-in, visibility."""

import datetime
import uuid

import pytest

from fulfillment import services
from fulfillment.models import TimeLog, TimeLogOfflineSync
from unioncore.api.testing import count_queries
from unioncore.testing import at

pytestmark = pytest.mark.django_db(transaction=False)

MONDAY = datetime.date(2026, 12, 7)


def clock_in_body(shift, **overrides):
    body = {"dispatch": shift.dispatch.pk, "client_uuid": str(uuid.uuid4()),
            "device_time": at(MONDAY, 7).isoformat(), "lat": 47.6, "lng": -122.33}  # fmt: skip
    return {**body, **overrides}


def event(kind, hour, minute=0):
    device_time = at(MONDAY, hour) + datetime.timedelta(minutes=minute)
    return {"type": kind, "client_uuid": str(uuid.uuid4()), "device_time": device_time.isoformat()}


def test_a_full_shift_from_clock_in_to_verified(shift, api_as, clock):
    worker, supervisor = api_as(shift.worker), api_as(shift.supervisor)
    response = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    assert response.status_code == 201, response.content
    log_id = response.json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    for kind, hour, minute in [("break_start", 10, 0), ("break_end", 10, 15), ("lunch_start", 12, 0),
                               ("lunch_end", 12, 30), ("clock_out", 15, 30)]:  # fmt: skip
        response = worker.post(f"/api/v1/timelogs/{log_id}/events/", event(kind, hour, minute), format="json")
        assert response.status_code == 200, (kind, response.content)
    assert response.json()["time_log"]["status"] == "pending_verification"
    listed = supervisor.get("/api/v1/timelogs/", {"status": "pending_verification"}).json()
    assert [row["id"] for row in listed["results"]] == [log_id]
    response = supervisor.post(f"/api/v1/timelogs/{log_id}/verify/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "verified"
    assert body["billable_minutes"] == 8 * 60 + 30 - 45
    assert body["amount"] == "465.00"


def test_the_negotiation_loop_through_the_api(shift, api_as, clock):
    worker, supervisor = api_as(shift.worker), api_as(shift.supervisor)
    log_id = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json").json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    worker.post(f"/api/v1/timelogs/{log_id}/events/", event("clock_out", 15), format="json")
    edit = {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": at(MONDAY, 14).isoformat(), "note": "Left at 2"}
    response = supervisor.post(f"/api/v1/timelogs/{log_id}/edit/", edit, format="json")
    assert response.json()["status"] == "pending_worker_review", response.content
    response = worker.post(f"/api/v1/timelogs/{log_id}/reject/", {"comment": "I stayed till 3"}, format="json")
    assert response.json()["status"] == "pending_supervisor_reevaluation"
    assert supervisor.post(f"/api/v1/timelogs/{log_id}/verify/").json()["status"] == "verified"


def test_a_verified_time_log_is_locked_409(shift, api_as, clock):
    worker, supervisor = api_as(shift.worker), api_as(shift.supervisor)
    log_id = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json").json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    worker.post(f"/api/v1/timelogs/{log_id}/events/", event("clock_out", 15), format="json")
    supervisor.post(f"/api/v1/timelogs/{log_id}/verify/")
    edit = {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": at(MONDAY, 14).isoformat(), "note": "late"}
    response = supervisor.post(f"/api/v1/timelogs/{log_id}/edit/", edit, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "verified_locked"


def test_a_replayed_clock_in_answers_the_same_and_writes_one_time_log(shift, api_as):
    worker = api_as(shift.worker)
    body = clock_in_body(shift)
    first = worker.post("/api/v1/timelogs/clock-in/", body, format="json")
    second = worker.post("/api/v1/timelogs/clock-in/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert TimeLog.objects.filter(dispatch=shift.dispatch).count() == 1


def test_a_reused_client_uuid_with_another_body_is_a_422(shift, api_as):
    worker = api_as(shift.worker)
    body = clock_in_body(shift)
    worker.post("/api/v1/timelogs/clock-in/", body, format="json")
    response = worker.post("/api/v1/timelogs/clock-in/", {**body, "lat": 10.0}, format="json")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_clock_in_without_a_dispatch_is_a_400_naming_the_field(shift, api_as):
    body = clock_in_body(shift)
    del body["dispatch"]
    response = api_as(shift.worker).post("/api/v1/timelogs/clock-in/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"dispatch"}


def test_a_second_clock_in_on_an_open_shift_is_a_409(shift, api_as):
    worker = api_as(shift.worker)
    worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    response = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_clocked_in"


def test_another_members_time_log_and_dispatch_are_404(shift, api_as):
    from unioncore.tests.factories import UserFactory

    log = services.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    stranger = api_as(UserFactory())
    assert stranger.get("/api/v1/timelogs/").json()["count"] == 0
    for path in ("submit", "accept", "verify", "acknowledge"):
        response = stranger.post(f"/api/v1/timelogs/{log.pk}/{path}/", {}, format="json")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    response = stranger.post(f"/api/v1/timelogs/{log.pk}/events/", event("break_start", 9), format="json")
    assert response.status_code == 404
    response = stranger.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    assert response.status_code == 404


def test_another_employers_supervisor_sees_nothing(shift, api_as):
    log = services.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    outsider = api_as(shift.other_employer_supervisor)
    assert outsider.get("/api/v1/timelogs/").json()["count"] == 0
    assert outsider.post(f"/api/v1/timelogs/{log.pk}/verify/").status_code == 404


def test_a_worker_cannot_verify_their_own_time_log_403(shift, api_as, clock):
    worker = api_as(shift.worker)
    log_id = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json").json()["time_log"]["id"]
    clock.move_to(at(MONDAY, 16))
    worker.post(f"/api/v1/timelogs/{log_id}/events/", event("clock_out", 15), format="json")
    response = worker.post(f"/api/v1/timelogs/{log_id}/verify/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_allowed"


def test_retroactive_entry_and_acknowledge(shift, api_as, clock):
    clock.move_to(at(MONDAY, 18))
    body = {"dispatch": shift.dispatch.pk, "start": at(MONDAY, 7).isoformat(), "end": at(MONDAY, 15).isoformat(),
            "breaks": 30, "note": "No signal on site"}  # fmt: skip
    response = api_as(shift.worker).post("/api/v1/timelogs/retroactive/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending_supervisor_verification"
    ack = api_as(shift.supervisor).post(f"/api/v1/timelogs/{response.json()['id']}/acknowledge/", {}, format="json")
    assert ack.status_code == 201, ack.content


def test_sync_replays_a_batch_identically(shift, api_as, clock):
    clock.move_to(at(MONDAY, 16))
    worker = api_as(shift.worker)
    events = [{**event("clock_in", 7), "dispatch": shift.dispatch.pk},
              {**event("clock_out", 15), "dispatch": shift.dispatch.pk}]  # fmt: skip
    answers = [worker.post("/api/v1/sync/", {"events": events}, format="json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [r["status"] for r in answers[0].json()["results"]] == ["synced", "synced"]
    assert answers[1].json() == answers[2].json()
    assert TimeLog.objects.filter(dispatch=shift.dispatch).count() == 1
    assert TimeLogOfflineSync.objects.count() == 2


def test_the_time_log_list_runs_a_constant_number_of_queries(shift, api_as, clock, django_assert_num_queries):
    worker = api_as(shift.worker)
    supervisor = api_as(shift.supervisor)

    def shifts(n):
        for _ in range(n):
            log = services.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))
            services.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
            services.timelog_submit(timelog_id=log.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))

    shifts(1)
    one = count_queries(lambda: supervisor.get("/api/v1/timelogs/"))
    shifts(4)
    with django_assert_num_queries(one):
        assert len(supervisor.get("/api/v1/timelogs/").json()["results"]) == 5
    assert worker.get("/api/v1/timelogs/").json()["count"] == 5
