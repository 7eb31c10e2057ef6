"""Time logs through the phone API: a shift, verification, idempotent clock-in, visibility."""

import datetime
import uuid

import pytest

from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services import timelogs
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


def test_each_shift_answer_is_the_time_log_as_stored(shift, api_as, clock):
    """The answers are written from the time log the service left in memory, not read back:
    each must be exactly what a later read of the same time log says."""
    worker = api_as(shift.worker)

    def stored(log_id):
        return next(row for row in worker.get("/api/v1/timelogs/").json()["results"] if row["id"] == log_id)

    answer = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json").json()["time_log"]
    assert answer == stored(answer["id"])
    clock.move_to(at(MONDAY, 16))
    for kind, hour in [("break_start", 10), ("break_end", 11), ("clock_out", 15)]:
        response = worker.post(f"/api/v1/timelogs/{answer['id']}/events/", event(kind, hour), format="json")
        assert response.status_code == 200, (kind, response.content)
        assert response.json()["time_log"] == stored(answer["id"]), kind


@pytest.mark.postgresql_only(reason="counts the statements of the one-statement write path")
def test_a_clock_in_runs_a_fixed_number_of_queries(shift, api_as):
    """The token; the dispatch lock, the time log (an open shift already there is the database's
    refusal, not a query first) with its history row in one statement, the outbox, the sync row
    with its history row (its key claimed by the unique constraint, not looked up first); the
    transaction and the service's savepoint (the caller's employer role for the answer's
    `actions`, decision 0042, comes with the token): 8 (21 before decision 0022, 10 before 0023,
    9 before the role came with the token).
    A new query here is a new round trip on the phone API's busiest write
    (bench/api_throughput.py)."""
    worker = api_as(shift.worker)
    assert count_queries(lambda: worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")) == 8


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


@pytest.mark.parametrize("device_time", ["0672-09-01T23:56:18Z", "3100-08-11T17:31:46+09:04"])
def test_a_device_time_centuries_off_is_a_400_not_a_500(shift, api_as, device_time):
    """Found by schemathesis: the clock offset overflowed its integer column (a 500)."""
    body = {**clock_in_body(shift), "device_time": device_time}
    response = api_as(shift.worker).post("/api/v1/timelogs/clock-in/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"device_time"}


def test_a_second_clock_in_on_an_open_shift_is_a_409(shift, api_as):
    worker = api_as(shift.worker)
    worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    response = worker.post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_clocked_in"


def test_another_members_time_log_and_dispatch_are_404(shift, api_as):
    from unioncore.tests.factories import UserFactory

    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
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
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
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


def test_a_synced_event_with_a_device_time_centuries_off_is_a_400_not_a_500(shift, api_as):
    far_off = clock_in_body(shift, device_time="0672-09-01T23:56:18Z")
    events = [{**clock_in_body(shift), "type": "clock_in"}, {**far_off, "type": "clock_in"}]
    response = api_as(shift.worker).post("/api/v1/sync/", {"events": events}, format="json")
    assert response.status_code == 400
    message = "The device's clock is more than ten years off."
    assert response.json()["error"]["fields"] == {"events": {"1": {"device_time": message}}}
    assert not TimeLogOfflineSync.objects.exists()


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
            log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))
            timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
            timelogs.timelog_submit(timelog_id=log.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))

    shifts(1)
    one = count_queries(lambda: supervisor.get("/api/v1/timelogs/"))
    shifts(4)
    with django_assert_num_queries(one):
        assert len(supervisor.get("/api/v1/timelogs/").json()["results"]) == 5
    assert worker.get("/api/v1/timelogs/").json()["count"] == 5


# --- Filters (django-filter): a bad value is a 400 in the error format ---


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "bogus"}, "status"), ({"date": "last tuesday"}, "date"), ({"dispatch": "abc"}, "dispatch")],
)
def test_a_bad_time_log_filter_is_a_400_naming_the_field(shift, api_as, query, field):
    response = api_as(shift.worker).get("/api/v1/timelogs/", query)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}


def test_time_logs_filter_by_status_dispatch_and_local_date(shift, api_as, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    supervisor = api_as(shift.supervisor)

    def ids(**query):
        response = supervisor.get("/api/v1/timelogs/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="working") == [log.pk]
    assert ids(status="verified") == []
    assert ids(dispatch=shift.dispatch.pk) == [log.pk]
    assert ids(dispatch=shift.dispatch.pk + 1000) == []
    assert ids(date=MONDAY.isoformat()) == [log.pk]
    assert ids(date=(MONDAY + datetime.timedelta(days=1)).isoformat()) == []


def test_filtering_by_another_partys_dispatch_is_an_empty_page_not_a_400(shift, api_as):
    from members.tests.factories import MemberFactory
    from unioncore.models import UserKind
    from unioncore.tests.factories import UserFactory

    timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    response = api_as(stranger).get("/api/v1/timelogs/", {"dispatch": shift.dispatch.pk})
    assert (response.status_code, response.json()["count"]) == (200, 0)


# --- Who may see and do what: each role against member A's time log ---

ROLES = ("member_a", "member_b", "supervisor_x", "supervisor_y", "staff")


@pytest.fixture
def roles(shift):
    from members.tests.factories import MemberFactory
    from unioncore.models import UserKind
    from unioncore.tests.factories import StaffFactory, UserFactory

    member_b = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=member_b)
    return {
        "member_a": shift.worker,
        "member_b": member_b,
        "supervisor_x": shift.supervisor,
        "supervisor_y": shift.other_employer_supervisor,
        "staff": StaffFactory(),
    }


def _open(shift, clock):
    return timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)


def _draft(shift, clock):
    log = _open(shift, clock)
    clock.move_to(at(MONDAY, 15))
    return timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)


def _pending(shift, clock):
    log = _draft(shift, clock)
    return timelogs.timelog_submit(timelog_id=log.pk, by=shift.worker)


def _in_review(shift, clock):
    log = _pending(shift, clock)
    return timelogs.timelog_edit(
        timelog_id=log.pk, by=shift.supervisor, clock_in=at(MONDAY, 7), clock_out=at(MONDAY, 14), note="Left at 2"
    )


def _times_body():
    clock_out = at(MONDAY, 14) + datetime.timedelta(minutes=30)
    return {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": clock_out.isoformat(), "break_minutes": 15}


# endpoint: (state, method, path, body, {role: expected status})
WRITE_MATRIX = {
    "event": (_open, "post", "events/", lambda: {**event("break_start", 9)},
              {"member_a": 200, "member_b": 404, "supervisor_x": 403, "supervisor_y": 404, "staff": 403}),
    "draft_edit": (_draft, "patch", "", _times_body,
                   {"member_a": 200, "member_b": 404, "supervisor_x": 403, "supervisor_y": 404, "staff": 403}),
    "submit": (_draft, "post", "submit/", dict,
               {"member_a": 200, "member_b": 404, "supervisor_x": 403, "supervisor_y": 404, "staff": 403}),
    # union staff act as the lending admin (a dispatcher holds `act_as_lending_admin`)
    "verify": (_pending, "post", "verify/", dict,
               {"member_a": 403, "member_b": 404, "supervisor_x": 200, "supervisor_y": 404, "staff": 200}),
    "edit": (_pending, "post", "edit/", lambda: {**_times_body(), "note": "Left at 2:30"},
             {"member_a": 403, "member_b": 404, "supervisor_x": 200, "supervisor_y": 404, "staff": 200}),
    "dispute": (_pending, "post", "dispute/", lambda: {"reason": "Not on site"},
                {"member_a": 403, "member_b": 404, "supervisor_x": 200, "supervisor_y": 404, "staff": 200}),
    "accept": (_in_review, "post", "accept/", dict,
               {"member_a": 200, "member_b": 404, "supervisor_x": 403, "supervisor_y": 404, "staff": 403}),
    "reject": (_in_review, "post", "reject/", lambda: {"comment": "I stayed"},
               {"member_a": 200, "member_b": 404, "supervisor_x": 403, "supervisor_y": 404, "staff": 403}),
    "acknowledge": (_open, "post", "acknowledge/", dict,
                    {"member_a": 403, "member_b": 404, "supervisor_x": 201, "supervisor_y": 404, "staff": 201}),
}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", WRITE_MATRIX)
def test_visibility_matrix_for_time_log_writes(shift, roles, api_as, clock, endpoint, role):
    state, method, suffix, body, expected = WRITE_MATRIX[endpoint]
    log = state(shift, clock)
    clock.move_to(at(MONDAY, 16))
    before = TimeLog.objects.get(pk=log.pk).status
    client = api_as(roles[role])
    response = getattr(client, method)(f"/api/v1/timelogs/{log.pk}/{suffix}", body(), format="json")
    assert response.status_code == expected[role], (endpoint, role, response.content)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] == {403: "not_allowed", 404: "not_found"}[response.status_code]
        assert str(log.pk) not in error["message"]  # a 404 says nothing of the object
        assert TimeLog.objects.get(pk=log.pk).status == before  # and nothing was done


LIST_VISIBLE = {"member_a": True, "member_b": False, "supervisor_x": True, "supervisor_y": False, "staff": True}


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix_for_the_time_log_list(shift, roles, api_as, clock, role):
    log = _pending(shift, clock)
    client = api_as(roles[role])
    for query in ({}, {"dispatch": shift.dispatch.pk}, {"status": "pending_verification"}):
        response = client.get("/api/v1/timelogs/", query)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == ([log.pk] if LIST_VISIBLE[role] else [])


CREATE_MATRIX = {"member_a": 201, "member_b": 404, "supervisor_x": 404, "supervisor_y": 404, "staff": 404}


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix_for_clock_in_on_a_dispatch(shift, roles, api_as, role):
    response = api_as(roles[role]).post("/api/v1/timelogs/clock-in/", clock_in_body(shift), format="json")
    assert response.status_code == CREATE_MATRIX[role], response.content
    assert TimeLog.objects.count() == (1 if response.status_code == 201 else 0)


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix_for_retroactive_entry_on_a_dispatch(shift, roles, api_as, clock, role):
    client = api_as(roles[role])
    clock.move_to(at(MONDAY, 18))
    body = {"dispatch": shift.dispatch.pk, "start": at(MONDAY, 7).isoformat(), "end": at(MONDAY, 15).isoformat()}
    response = client.post("/api/v1/timelogs/retroactive/", body, format="json")
    assert response.status_code == CREATE_MATRIX[role], response.content
    if response.status_code == 404:
        assert not TimeLog.objects.exists()


def test_sync_events_naming_another_members_time_log_fail_not_found(shift, roles, api_as, clock):
    log = _open(shift, clock)
    clock.move_to(at(MONDAY, 16))
    events = [{**event("break_start", 9), "timelog": log.pk}, {**event("clock_in", 8), "dispatch": shift.dispatch.pk}]
    response = api_as(roles["member_b"]).post("/api/v1/sync/", {"events": events}, format="json")
    assert response.status_code == 200
    assert [(r["status"], r["error"]["code"]) for r in response.json()["results"]] == [
        ("failed", "not_found"),
        ("failed", "not_found"),
    ]
    assert TimeLog.objects.get(pk=log.pk).status == "working"


# --- Offline sync: conflicts and the device clock ---


def test_an_offline_clock_out_after_a_force_clock_out_is_a_conflict_with_the_competing_record(shift, api_as, clock):
    from fulfillment.enums import SyncStatus

    log = _open(shift, clock)
    clock.move_to(at(MONDAY, 17))
    forced = timelogs.timelog_force_clock_out(
        timelog_id=log.pk, by=shift.supervisor, at=at(MONDAY, 16), reason="Left at four"
    )
    clock.move_to(at(MONDAY, 18))
    worker = api_as(shift.worker)
    clock_out = {**event("clock_out", 15, 30), "timelog": log.pk}
    response = worker.post("/api/v1/sync/", {"events": [clock_out]}, format="json")
    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    assert result["status"] == "conflict"
    assert result["conflict"]["time_log"] == log.pk
    assert result["conflict"]["by"] == shift.supervisor.pk
    assert result["conflict"]["status"] == forced.status
    assert datetime.datetime.fromisoformat(result["conflict"]["clock_out_at"]) == at(MONDAY, 16)
    # both versions kept: the time log as the supervisor left it, the worker's event stored raw
    log.refresh_from_db()
    assert (log.status, log.clock_out_at) == (forced.status, at(MONDAY, 16))
    row = TimeLogOfflineSync.objects.get(client_uuid=clock_out["client_uuid"])
    assert (row.status, row.conflict_with_id) == (SyncStatus.CONFLICT, log.pk)
    assert row.device_time == at(MONDAY, 15) + datetime.timedelta(minutes=30)
    # a replay answers the same conflict as a duplicate and writes nothing
    again = worker.post("/api/v1/sync/", {"events": [clock_out]}, format="json").json()["results"][0]
    assert again["status"] == "duplicate"
    assert again["first_result"] == result
    assert TimeLogOfflineSync.objects.count() == 1


def test_an_event_dated_ten_minutes_in_the_future_fails_and_the_others_sync(shift, api_as, clock):
    clock.move_to(at(MONDAY, 12))
    events = [
        {**event("clock_in", 7), "dispatch": shift.dispatch.pk},
        {**event("break_start", 10), "dispatch": shift.dispatch.pk},
        {**event("break_end", 12, 10), "dispatch": shift.dispatch.pk},  # 10 minutes ahead of the server
        {**event("lunch_start", 11), "dispatch": shift.dispatch.pk},
    ]
    response = api_as(shift.worker).post("/api/v1/sync/", {"events": events}, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["synced", "synced", "failed", "failed"]
    assert results[2]["error"]["code"] == "device_time_in_future"
    # lunch at 11 while the break (started 10:00) was never ended by the refused event
    assert results[3]["error"]["code"] != "device_time_in_future"
    rows = {str(r.client_uuid): r for r in TimeLogOfflineSync.objects.all()}
    assert len(rows) == 4
    future = rows[events[2]["client_uuid"]]
    assert future.clock_offset_seconds == -600
    assert future.clock_suspect
    assert TimeLog.objects.get(dispatch=shift.dispatch).status != "verified"


def test_a_future_event_alone_fails_while_a_slightly_fast_clock_is_only_flagged(shift, api_as, clock):
    clock.move_to(at(MONDAY, 7))
    events = [
        {**event("clock_in", 7, 3), "dispatch": shift.dispatch.pk},  # 3 minutes fast: tolerated
        {**event("break_start", 7, 10), "dispatch": shift.dispatch.pk},  # 10 minutes: refused
    ]
    results = api_as(shift.worker).post("/api/v1/sync/", {"events": events}, format="json").json()["results"]
    assert [r["status"] for r in results] == ["synced", "failed"]
    assert results[1]["error"]["code"] == "device_time_in_future"
    assert TimeLog.objects.get(dispatch=shift.dispatch).status == "working"


# --- Constant queries for the list, seen by the worker and by the supervisor ---


@pytest.mark.parametrize("who", ["worker", "supervisor"])
def test_the_time_log_list_runs_the_same_queries_for_1_and_5_rows(shift, api_as, clock, who, django_assert_num_queries):
    client = api_as(getattr(shift, who))

    def shifts(n):
        for _ in range(n):
            log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))
            timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
            timelogs.timelog_submit(timelog_id=log.pk, by=shift.worker)
            clock.shift(datetime.timedelta(hours=1))

    query = {"status": "pending_verification"}
    shifts(1)
    one = count_queries(lambda: client.get("/api/v1/timelogs/", query))
    shifts(4)
    with django_assert_num_queries(one):
        assert len(client.get("/api/v1/timelogs/", query).json()["results"]) == 5


# --- The time log's JSON, written out, is DRF's field-by-field JSON ---


def test_a_time_log_in_every_shape_renders_exactly_as_drfs_generic_serializer(shift, api_as, clock):
    """TimeLogOutput builds its dict directly (a third of a page's time): on a working shift, a
    verified one (amount, final times), one in the negotiation loop (supervisor times, note,
    comment) and a retroactive one, the bytes are those of DRF's generic loop over its fields,
    whether written from the time log or from its list row."""
    from rest_framework.renderers import JSONRenderer
    from rest_framework.serializers import Serializer

    from fulfillment.api import TimeLogOutput, output_rows, visible_timelogs
    from fulfillment.rules import actor_of

    worker, supervisor = api_as(shift.worker), api_as(shift.supervisor)
    tuesday = MONDAY + datetime.timedelta(days=1)

    def shift_on(day):
        body = clock_in_body(shift, device_time=at(day, 7).isoformat())
        return worker.post("/api/v1/timelogs/clock-in/", body, format="json").json()["time_log"]["id"]

    def clock_out(log_id, day):
        body = {**event("clock_out", 15), "device_time": at(day, 15).isoformat()}
        assert worker.post(f"/api/v1/timelogs/{log_id}/events/", body, format="json").status_code == 200

    verified = shift_on(MONDAY)
    clock.move_to(at(MONDAY, 16))
    clock_out(verified, MONDAY)
    assert supervisor.post(f"/api/v1/timelogs/{verified}/verify/").status_code == 200
    clock.move_to(at(tuesday, 7))
    looped = shift_on(tuesday)
    clock.move_to(at(tuesday, 16))
    clock_out(looped, tuesday)
    edit = {"clock_in": at(tuesday, 7).isoformat(), "clock_out": at(tuesday, 14).isoformat(), "note": "Left at 2"}
    assert supervisor.post(f"/api/v1/timelogs/{looped}/edit/", edit, format="json").status_code == 200
    assert worker.post(f"/api/v1/timelogs/{looped}/reject/", {"comment": "No"}, format="json").status_code == 200
    # Monday evening, after the verified shift: a manual entry stays inside the dispatch (decision 0036).
    retro = {"dispatch": shift.dispatch.pk, "start": at(MONDAY, 16).isoformat(), "end": at(MONDAY, 20).isoformat(),
             "lunch": 30, "note": "paper sheet"}  # fmt: skip
    assert worker.post("/api/v1/timelogs/retroactive/", retro, format="json").status_code == 201
    clock.move_to(at(tuesday + datetime.timedelta(days=1), 7))
    working = shift_on(tuesday + datetime.timedelta(days=1))
    logs = list(visible_timelogs(shift.supervisor).order_by("id"))
    rows = {row["id"]: row for row in output_rows(visible_timelogs(shift.supervisor))}
    statuses = {log.status for log in logs}
    assert {"verified", "pending_supervisor_reevaluation", "working"} <= statuses
    assert len(logs) == 4
    assert working in [log.pk for log in logs]
    render = JSONRenderer().render
    context = {"actor": actor_of(shift.supervisor)}
    for log in logs:
        serializer = TimeLogOutput(log, context=context)
        generic = Serializer.to_representation(TimeLogOutput(context=context), log)
        assert render(serializer.data) == render(generic), log.status
        assert render(TimeLogOutput(rows[log.pk], context=context).data) == render(serializer.data), (
            f"{log.status}, as a list row"
        )
