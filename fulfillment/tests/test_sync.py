"""Offline sync: a batch of shift events recorded with no signal, applied once, in the phone's order."""

import datetime
import uuid

import pytest
import time_machine

from dispatch import services as dispatch_services
from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.enums import SegmentKind, SyncStatus, TimeLogStatus
from fulfillment.models import TimeLog, TimeLogOfflineSync, Times, TimeSegment
from fulfillment.services import sync as sync_services
from fulfillment.services import timelogs
from members.tests.factories import MemberFactory
from unioncore.errors import RuleViolation
from unioncore.notifications.models import Notification
from unioncore.testing import at, run_concurrently
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)
TUESDAY = MONDAY + datetime.timedelta(days=1)
S = TimeLogStatus


def tue(hour: int, minute: int = 0) -> datetime.datetime:
    return at(TUESDAY, hour) + datetime.timedelta(minutes=minute)


# --- The world: an accepted dispatch of a member who has an account (as in dispatch/tests) ---


@pytest.fixture
def employer(db):
    return EmployerFactory()


@pytest.fixture
def supervisor(employer):
    return EmployerUserFactory(employer=employer).user


@pytest.fixture
def clock():
    """Monday morning, after the referral time of a request taken the Friday before."""
    with time_machine.travel(at(MONDAY, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_request(employer, dispatcher):
    def _make(**overrides):
        fields = {
            "employer_id": employer.pk, "book_classification": "inside_wireperson", "region": "seattle",
            "workers_wanted": 1, "start_date": TUESDAY, "report_time": datetime.time(7, 0),
            "worksite": "Pier 91", "wage_rate": "58.50", "taken_at": at(MONDAY - datetime.timedelta(days=3), 10),
        }  # fmt: skip
        fields.update(overrides)
        return dispatch_services.job_request_create(by=dispatcher, **fields)

    return _make


@pytest.fixture
def dispatch(book, register, make_request, dispatcher, clock):
    member = MemberFactory(user=UserFactory())
    registration = register(book, member=member)
    offer = dispatch_services.dispatch_offer(
        job_request_id=make_request().pk, registration_id=registration.pk, by=dispatcher
    )
    return dispatch_services.dispatch_accept(dispatch_id=offer.pk, by=dispatcher)


@pytest.fixture
def worker(dispatch):
    return dispatch.member.user


def event(kind: str, moment: datetime.datetime, dispatch, **extra) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "type": kind, "device_time": moment, "dispatch": dispatch.pk,
            "payload": {}, **extra}  # fmt: skip


def offline_shift(dispatch) -> list[dict]:
    """Clock in 7:00, a 15-minute break at 10:00, clock out 15:30 — in the phone's order."""
    return [
        event("clock_in", tue(7), dispatch, payload={"lat": 47.6318, "lng": -122.3857}),
        event("break_start", tue(10), dispatch),
        event("break_end", tue(10, 15), dispatch),
        event("clock_out", tue(15, 30), dispatch),
    ]


def counts() -> dict[str, int]:
    return {
        "time logs": TimeLog.objects.count(),
        "time log history": TimeLog.history.count(),
        "segments": TimeSegment.objects.count(),
        "sync rows": TimeLogOfflineSync.objects.count(),
        "sync history": TimeLogOfflineSync.history.count(),
    }


def statuses(results) -> list[str]:
    return [r["status"] for r in results]


# --- Order and idempotency ---


def test_a_shift_synced_out_of_order_is_applied_in_the_phones_order(dispatch, worker, clock):
    clock_in, break_start, break_end, clock_out = offline_shift(dispatch)
    clock.move_to(tue(17))
    results = sync_services.sync_events(worker=worker, events=[clock_out, break_end, clock_in, break_start])

    assert statuses(results) == ["synced"] * 4
    sent = (clock_out, break_end, clock_in, break_start)
    assert [r["client_uuid"] for r in results] == [e["client_uuid"] for e in sent], "results in the order sent"
    time_log = TimeLog.objects.get()
    assert {r["time_log"] for r in results} == {time_log.pk}
    assert time_log.status == S.PENDING_VERIFICATION
    assert (time_log.clock_in_at, time_log.clock_out_at) == (tue(7), tue(15, 30))
    assert time_log.worker_break_minutes == 15
    assert list(time_log.segments.values_list("kind", "started_at", "ended_at")) == [
        (SegmentKind.BREAK, tue(10), tue(10, 15))
    ]
    assert str(time_log.latitude) == "47.631800"
    rows = TimeLogOfflineSync.objects.all()
    assert {(row.status, row.time_log_id) for row in rows} == {(SyncStatus.SYNCED, time_log.pk)}
    assert {row.history.latest().history_user for row in rows} == {worker}


def test_a_batch_replayed_three_times_answers_duplicate_with_the_first_results_and_writes_nothing(
    dispatch, worker, clock
):
    batch = offline_shift(dispatch)
    clock.move_to(tue(17))
    first = sync_services.sync_events(worker=worker, events=batch)
    before = counts()

    replies = [sync_services.sync_events(worker=worker, events=batch) for _ in range(3)]

    for reply in replies:
        assert statuses(reply) == ["duplicate"] * 4
        assert [r["first_result"] for r in reply] == first
        assert [r["time_log"] for r in reply] == [r["time_log"] for r in first]
    assert replies[0] == replies[1] == replies[2]
    assert counts() == before, "a replay wrote rows"
    assert TimeLog.objects.count() == 1


def test_a_clock_in_retried_after_its_shift_ended_opens_no_second_shift(dispatch, worker, clock):
    """The key is claimed by writing it last: a late retry runs again, and would open a new shift
    on the still accepted dispatch, but the stored key refuses its row and everything it did is
    rolled back. The phone gets its first answer."""
    clock_in, *rest = offline_shift(dispatch)
    clock.move_to(tue(17))
    first = sync_services.sync_events(worker=worker, events=[clock_in, *rest])
    assert TimeLog.objects.get().status == S.PENDING_VERIFICATION
    before, messages = counts(), Notification.objects.count()

    [retry] = sync_services.sync_events(worker=worker, events=[clock_in])

    assert retry["status"] == "duplicate"
    assert retry["first_result"] == first[0]
    assert counts() == before, "the retry left rows behind"
    assert Notification.objects.count() == messages, "the retry's clock-in message was kept"


def test_the_same_instant_written_in_another_offset_is_the_same_event(dispatch, worker, clock):
    clock_in = event("clock_in", tue(7), dispatch)
    clock.move_to(tue(8))
    sync_services.sync_events(worker=worker, events=[clock_in])
    in_utc = {**clock_in, "device_time": tue(7).astimezone(datetime.UTC).isoformat()}
    [result] = sync_services.sync_events(worker=worker, events=[in_utc])
    assert result["status"] == "duplicate"


def test_a_client_uuid_reused_with_another_body_fails_that_event_only(dispatch, worker, clock):
    clock_in, break_start, *_ = offline_shift(dispatch)
    clock.move_to(tue(11))
    sync_services.sync_events(worker=worker, events=[clock_in])
    row = TimeLogOfflineSync.objects.get()
    history = TimeLogOfflineSync.history.count()

    reused = {**clock_in, "device_time": tue(7, 5)}
    results = sync_services.sync_events(worker=worker, events=[reused, break_start])

    assert results[0]["status"] == "failed"
    assert results[0]["error"]["code"] == "idempotency_key_reused"
    assert results[0]["reused"] is True, "the API needs the flag to answer 422"
    assert results[1]["status"] == "synced"
    stored = TimeLogOfflineSync.objects.get(pk=row.pk)
    assert (stored.body_hash, stored.device_time, stored.result) == (row.body_hash, row.device_time, row.result)
    assert TimeLogOfflineSync.history.count() == history + 1, "only the break was written, once"


def test_a_failed_event_does_not_lose_the_events_around_it(dispatch, worker, clock):
    batch = [
        event("clock_in", tue(7), dispatch),
        event("lunch_end", tue(9), dispatch),  # never went to lunch
        event("break_start", tue(10), dispatch),
    ]
    clock.move_to(tue(11))
    results = sync_services.sync_events(worker=worker, events=batch)

    assert statuses(results) == ["synced", "failed", "synced"]
    assert results[1]["error"]["code"] == "wrong_status"
    assert results[1]["error"]["message"]
    time_log = TimeLog.objects.get()
    assert time_log.status == S.BREAK
    failed = TimeLogOfflineSync.objects.get(client_uuid=batch[1]["client_uuid"])
    assert failed.status == SyncStatus.FAILED
    assert failed.result == results[1]
    [again] = sync_services.sync_events(worker=worker, events=[batch[1]])
    assert again["status"] == "duplicate"
    assert again["first_result"] == results[1], "a replay gives the same answer, failure included"


def test_a_connection_cut_mid_batch_loses_nothing_and_doubles_nothing(dispatch, worker, clock):
    batch = offline_shift(dispatch)
    clock.move_to(tue(17))
    sync_services.sync_events(worker=worker, events=batch[:2])  # the response never reached the phone

    results = sync_services.sync_events(worker=worker, events=batch)

    assert statuses(results) == ["duplicate", "duplicate", "synced", "synced"]
    assert TimeLog.objects.count() == 1, f"{TimeLog.objects.count()} time logs"
    assert TimeSegment.objects.count() == 1, f"{TimeSegment.objects.count()} segments"
    assert TimeLogOfflineSync.objects.count() == 4
    time_log = TimeLog.objects.get()
    assert (time_log.status, time_log.worker_break_minutes) == (S.PENDING_VERIFICATION, 15)


def test_a_draft_edited_offline_is_submitted_with_the_workers_times(dispatch, worker, clock):
    clock_in, break_start, break_end, clock_out = offline_shift(dispatch)
    clock_out["payload"] = {"times": {"clock_out": tue(15, 45).isoformat(), "break_minutes": 30}}
    clock.move_to(tue(17))
    results = sync_services.sync_events(worker=worker, events=[clock_in, break_start, break_end, clock_out])

    assert statuses(results) == ["synced"] * 4
    time_log = TimeLog.objects.get()
    assert time_log.status == S.PENDING_VERIFICATION
    assert time_log.worker_times == Times(tue(7), tue(15, 45), 30, 0)
    assert time_log.worker_edited


def test_each_event_is_stored_once_with_its_answer(dispatch, worker, clock):
    clock.move_to(tue(17))
    sync_services.sync_events(worker=worker, events=offline_shift(dispatch))
    history = TimeLogOfflineSync.history.order_by("history_id")
    assert [(h.history_type, h.status, h.history_user_id) for h in history] == [("+", SyncStatus.SYNCED, worker.pk)] * 4


def test_a_clock_in_on_a_dispatch_that_is_not_the_workers_is_not_found(dispatch, worker, clock):
    clock.move_to(tue(8))
    stranger = UserFactory()
    results = sync_services.sync_events(
        worker=stranger,
        events=[event("clock_in", tue(7), dispatch), {**event("clock_in", tue(7), dispatch), "dispatch": 10**9}],
    )
    assert [r["error"]["code"] for r in results] == ["not_found", "not_found"]
    assert not TimeLog.objects.exists()
    assert list(TimeLogOfflineSync.objects.values_list("status", flat=True)) == [SyncStatus.FAILED] * 2


def test_an_event_on_another_workers_time_log_is_not_found(dispatch, worker, clock):
    clock.move_to(tue(8))
    [clock_in] = sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7), dispatch)])
    stranger = UserFactory()
    [result] = sync_services.sync_events(
        worker=stranger, events=[event("break_start", tue(7, 30), dispatch, timelog=clock_in["time_log"])]
    )
    assert result["error"]["code"] == "not_found"
    assert TimeLog.objects.get().status == S.WORKING


def test_an_event_without_a_key_or_a_time_fails_and_is_not_stored(dispatch, worker, clock):
    clock.move_to(tue(8))
    naive = event("clock_in", datetime.datetime(2026, 12, 8, 7), dispatch)
    keyless = {**event("clock_in", tue(7), dispatch), "client_uuid": "not-a-uuid"}
    results = sync_services.sync_events(worker=worker, events=[naive, keyless])
    assert [r["error"]["code"] for r in results] == ["invalid_event", "invalid_event"]
    assert not TimeLogOfflineSync.objects.exists()
    assert not TimeLog.objects.exists()


# --- Conflicts with a supervisor's force clock-out ---


@pytest.fixture
def force_clocked_out(dispatch, worker, supervisor, clock):
    """The phone clocked in (and synced), then went dark; at 16:00 the supervisor ended the
    forgotten shift at 15:00. The phone's own clock-out, at 15:30, arrives at 17:00."""
    clock.move_to(tue(7, 1))
    [clock_in] = sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7), dispatch)])
    clock.move_to(tue(16))
    time_log = timelogs.timelog_force_clock_out(
        timelog_id=clock_in["time_log"], by=supervisor, at=tue(15), reason="Left at three"
    )
    clock.move_to(tue(17))
    return time_log


def test_an_offline_clock_out_after_a_force_clock_out_is_a_conflict_keeping_both_versions(
    force_clocked_out, dispatch, worker, supervisor
):
    history = force_clocked_out.history.count()
    clock_out = event("clock_out", tue(15, 30), dispatch, payload={"lat": 47.6, "lng": -122.3})
    [result] = sync_services.sync_events(worker=worker, events=[clock_out])

    assert result["status"] == "conflict"
    conflict = result["conflict"]
    assert (conflict["time_log"], conflict["status"], conflict["by"]) == (
        force_clocked_out.pk, S.PENDING_VERIFICATION, supervisor.pk
    )  # fmt: skip
    assert datetime.datetime.fromisoformat(conflict["clock_out_at"]) == tue(15)
    time_log = TimeLog.objects.get(pk=force_clocked_out.pk)
    assert (time_log.status, time_log.clock_out_at) == (S.PENDING_VERIFICATION, tue(15)), "the time log changed"
    assert time_log.history.count() == history
    row = TimeLogOfflineSync.objects.get(client_uuid=clock_out["client_uuid"])
    assert (row.status, row.conflict_with_id) == (SyncStatus.CONFLICT, time_log.pk)
    assert (row.device_time, row.payload) == (tue(15, 30), {"lat": 47.6, "lng": -122.3})


def test_a_supervisor_resolving_for_the_worker_applies_the_offline_clock_out_as_an_edit(
    force_clocked_out, dispatch, worker, supervisor
):
    sync_services.sync_events(worker=worker, events=[event("clock_out", tue(15, 30), dispatch)])
    row = sync_services.sync_conflict_resolve(sync_id=TimeLogOfflineSync.objects.get(status="conflict").pk,
                                         by=supervisor, accept_worker=True)  # fmt: skip

    time_log = TimeLog.objects.get(pk=force_clocked_out.pk)
    assert time_log.status == S.PENDING_WORKER_REVIEW
    assert time_log.supervisor_times == Times(tue(7), tue(15, 30), 0, 0)
    assert time_log.supervisor_note == "offline clock-out from the worker's device"
    assert row.status == SyncStatus.SYNCED
    assert row.result["status"] == "conflict", "the first answer is kept"
    assert row.result["resolution"]["accepted_worker"] is True
    assert row.result["resolution"]["by"] == supervisor.pk
    assert row.history.latest().history_user == supervisor
    timelogs.timelog_accept_edit(timelog_id=time_log.pk, by=worker)
    assert TimeLog.objects.get(pk=time_log.pk).final_clock_out == tue(15, 30)


def test_a_supervisor_resolving_for_the_force_clock_out_keeps_it(force_clocked_out, dispatch, worker, supervisor):
    sync_services.sync_events(worker=worker, events=[event("clock_out", tue(15, 30), dispatch)])
    history = force_clocked_out.history.count()
    row = sync_services.sync_conflict_resolve(sync_id=TimeLogOfflineSync.objects.get(status="conflict").pk,
                                         by=supervisor, accept_worker=False)  # fmt: skip

    time_log = TimeLog.objects.get(pk=force_clocked_out.pk)
    assert (time_log.status, time_log.clock_out_at) == (S.PENDING_VERIFICATION, tue(15))
    # Decision 0035: the times are untouched; the timer, paused while the conflict was open, restarts.
    assert (time_log.auto_approval_time, time_log.timer_cycle) == (tue(21), force_clocked_out.timer_cycle + 1)
    assert time_log.history.count() == history + 1
    assert time_log.history.first().history_user == supervisor
    assert row.status == SyncStatus.SYNCED
    assert row.result["resolution"]["accepted_worker"] is False


def test_only_a_supervisor_of_the_employer_resolves_a_conflict_and_only_once(
    force_clocked_out, dispatch, worker, supervisor
):
    sync_services.sync_events(worker=worker, events=[event("clock_out", tue(15, 30), dispatch)])
    sync_id = TimeLogOfflineSync.objects.get(status="conflict").pk
    outsider = EmployerUserFactory(employer=EmployerFactory()).user
    for user in (worker, outsider):
        with pytest.raises(RuleViolation) as refused:
            sync_services.sync_conflict_resolve(sync_id=sync_id, by=user, accept_worker=True)
        assert refused.value.code == "not_allowed"
    sync_services.sync_conflict_resolve(sync_id=sync_id, by=supervisor, accept_worker=False)
    with pytest.raises(RuleViolation) as again:
        sync_services.sync_conflict_resolve(sync_id=sync_id, by=supervisor, accept_worker=True)
    assert again.value.code == "not_in_conflict"


def test_a_kiosk_stop_is_a_conflict_too_and_being_verified_it_can_only_be_kept(dispatch, worker, supervisor, clock):
    clock.move_to(tue(7, 1))
    [clock_in] = sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7), dispatch)])
    clock.move_to(tue(15))
    timelogs.timelog_kiosk_stop(timelog_id=clock_in["time_log"], by=supervisor)
    clock.move_to(tue(17))
    [result] = sync_services.sync_events(worker=worker, events=[event("clock_out", tue(15, 30), dispatch)])
    assert result["status"] == "conflict"
    assert (result["conflict"]["status"], result["conflict"]["by"]) == (S.VERIFIED, supervisor.pk)

    sync_id = TimeLogOfflineSync.objects.get(status="conflict").pk
    with pytest.raises(RuleViolation) as refused:
        sync_services.sync_conflict_resolve(sync_id=sync_id, by=supervisor, accept_worker=True)
    assert refused.value.code == "verified_locked"
    assert TimeLogOfflineSync.objects.get(pk=sync_id).status == SyncStatus.CONFLICT, "a refusal changed the row"
    sync_services.sync_conflict_resolve(sync_id=sync_id, by=supervisor, accept_worker=False)
    assert TimeLogOfflineSync.objects.get(pk=sync_id).status == SyncStatus.SYNCED


def test_a_shift_the_worker_closed_is_no_conflict_for_a_stray_clock_out(dispatch, worker, clock):
    batch = offline_shift(dispatch)
    clock.move_to(tue(17))
    sync_services.sync_events(worker=worker, events=batch)
    [stray] = sync_services.sync_events(worker=worker, events=[event("clock_out", tue(15, 40), dispatch)])
    assert stray["status"] == "failed"
    assert stray["error"]["code"] == "wrong_status"


# --- The device's clock ---


def test_a_device_clock_ten_minutes_fast_is_flagged(dispatch, worker, clock):
    clock.move_to(tue(17))
    fast = datetime.timedelta(minutes=10)
    [result] = sync_services.sync_events(
        worker=worker, events=[event("clock_in", tue(7) + fast, dispatch)], sent_at=tue(17) + fast
    )
    assert result["status"] == "synced"
    row = TimeLogOfflineSync.objects.get()
    assert row.clock_suspect
    assert row.received_at == tue(17)
    assert row.clock_offset_seconds == (tue(17) - (tue(7) + fast)).total_seconds()


def test_a_right_clock_syncing_hours_late_is_not_flagged_when_the_batch_says_when_it_was_sent(dispatch, worker, clock):
    clock.move_to(tue(17))
    sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7), dispatch)], sent_at=tue(17))
    row = TimeLogOfflineSync.objects.get()
    assert not row.clock_suspect
    assert row.clock_offset_seconds == 10 * 3600


def test_without_the_sending_time_an_event_more_than_five_minutes_from_receipt_is_flagged(dispatch, worker, clock):
    clock.move_to(tue(7, 4))
    on_time, late = event("clock_in", tue(7), dispatch), event("break_start", tue(6, 58), dispatch)
    sync_services.sync_events(worker=worker, events=[on_time])
    clock.move_to(tue(7, 10))
    sync_services.sync_events(worker=worker, events=[late])
    suspect = dict(TimeLogOfflineSync.objects.values_list("event_type", "clock_suspect"))
    assert suspect == {"clock_in": False, "break_start": True}


def test_an_event_ten_minutes_in_the_future_is_refused(dispatch, worker, clock):
    clock.move_to(tue(7))
    [result] = sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7, 10), dispatch)])

    assert result["status"] == "failed"
    assert result["error"]["code"] == "device_time_in_future"
    assert not TimeLog.objects.exists()
    row = TimeLogOfflineSync.objects.get()
    assert (row.status, row.clock_suspect, row.clock_offset_seconds) == (SyncStatus.FAILED, True, -600)


def test_an_event_four_minutes_ahead_is_within_the_tolerance(dispatch, worker, clock):
    clock.move_to(tue(7))
    [result] = sync_services.sync_events(worker=worker, events=[event("clock_in", tue(7, 4), dispatch)])
    assert result["status"] == "synced"
    assert not TimeLogOfflineSync.objects.get().clock_suspect


# --- Two deliveries of one batch at once ---


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.postgresql_only(
    reason="threads racing on their own connections; SQLite's in-memory test database is one connection, one writer"
)
def test_the_same_batch_delivered_four_times_at_once_is_applied_once(dispatch, worker, clock):
    batch = offline_shift(dispatch)
    clock.move_to(tue(17))
    replies = run_concurrently(*[lambda: sync_services.sync_events(worker=worker, events=batch)] * 4)

    errors = [r for r in replies if not isinstance(r, list)]
    assert not errors, errors
    for index in range(len(batch)):
        answers = sorted(reply[index]["status"] for reply in replies)
        assert answers == ["duplicate"] * 3 + ["synced"], f"event {index}: {answers}"
    assert TimeLog.objects.count() == 1, f"{TimeLog.objects.count()} time logs from one batch"
    assert TimeSegment.objects.count() == 1
    assert TimeLogOfflineSync.objects.count() == 4
    assert TimeLog.objects.get().status == S.PENDING_VERIFICATION
