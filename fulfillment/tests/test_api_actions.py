"""A time log's and a dispatch's `actions` in the phone API are what the server then allows
(issue 21, decision 0042): in each status, for the worker and the supervisor, every listed action
succeeds and every other one is refused. And PATCH is a partial update: what is left out keeps
its value."""

import datetime
import uuid

import pytest
from django.db import transaction
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.rules import DISPATCH_ACTIONS
from fulfillment.rules import TIMELOG_ACTIONS
from fulfillment.services import sync, timelogs
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=False)

MONDAY = datetime.date(2026, 12, 7)


def t(hour: int, minute: int = 0) -> datetime.datetime:
    return at(MONDAY, hour) + datetime.timedelta(minutes=minute)


def _now_iso() -> str:
    return timezone.localtime().isoformat()


def _event(kind: str) -> dict:
    return {"type": kind, "client_uuid": str(uuid.uuid4()), "device_time": _now_iso()}


# action → (method, path under /api/v1/timelogs/{id}, body)
TIMELOG_CALLS = {
    **{kind: ("post", "events/", lambda kind=kind: _event(kind))
       for kind in ("break_start", "break_end", "lunch_start", "lunch_end", "travel_start", "travel_end", "clock_out")},
    "edit_draft": ("patch", "", lambda: {}),
    "submit": ("post", "submit/", lambda: {}),
    "accept": ("post", "accept/", lambda: {}),
    "reject": ("post", "reject/", lambda: {"comment": "I stayed till 3"}),
    "verify": ("post", "verify/", lambda: {}),
    "edit": ("post", "edit/", lambda: {"break_minutes": 20, "note": "A 20-minute break"}),
    "dispute": ("post", "dispute/", lambda: {"reason": "Not on site after lunch"}),
    "eject": ("post", "eject/", lambda: {"reason": "Not on the crew list"}),
    "force_clock_out": ("post", "force-clock-out/", lambda: {"clock_out": _now_iso(), "reason": "Forgot"}),
    "acknowledge": ("post", "acknowledge/", lambda: {"method": "app_opened"}),
}  # fmt: skip


def _working(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(7, 10))
    return time_log


def _segment(kind):
    def build(shift, clock):
        time_log = _working(shift, clock)
        return timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=kind, at=t(7, 5))

    return build


def _working_late(shift, clock):
    time_log = _working(shift, clock)
    clock.move_to(t(8))  # past the eject window
    return time_log


def _draft(shift, clock):
    time_log = _working(shift, clock)
    clock.move_to(t(15, 10))
    return timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))


def _pending(shift, clock):
    return timelogs.timelog_submit(timelog_id=_draft(shift, clock).pk, by=shift.worker)


def _in_review(shift, clock):
    time_log = _pending(shift, clock)
    return timelogs.timelog_edit(
        timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note="Left at 2"
    )


def _reevaluation(shift, clock):
    return timelogs.timelog_reject_edit(timelog_id=_in_review(shift, clock).pk, by=shift.worker, comment="No")


def _manual_entry(shift, clock):
    clock.move_to(t(16))
    return timelogs.timelog_retroactive_submit(
        dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=t(7), clock_out=t(15), note="Paper"
    )


def _verified(shift, clock):
    return timelogs.timelog_verify(timelog_id=_pending(shift, clock).pk, by=shift.supervisor)


def _disputed(shift, clock):
    time_log = _pending(shift, clock)
    return timelogs.timelog_dispute(timelog_id=time_log.pk, by=shift.supervisor, reason="No-show")


def _conflict_open(shift, clock):
    """Forced out by the supervisor at 15:00; the phone's offline clock-out at 15:30 then waits."""
    time_log = _working(shift, clock)
    clock.move_to(t(16))
    timelogs.timelog_force_clock_out(timelog_id=time_log.pk, by=shift.supervisor, at=t(15), reason="Gone")
    event = {"type": "clock_out", "client_uuid": str(uuid.uuid4()), "device_time": t(15, 30).isoformat(),
             "timelog": time_log.pk}  # fmt: skip
    [result] = sync.sync_events(worker=shift.worker, events=[event])
    assert result["status"] == "conflict", result
    return time_log


STATES = {
    "working": (_working, {"worker": ["break_start", "lunch_start", "travel_start", "clock_out"],
                           "supervisor": ["eject", "force_clock_out", "acknowledge"]}),
    "break": (_segment("break"), {"worker": ["break_end", "clock_out"],
                                  "supervisor": ["eject", "force_clock_out", "acknowledge"]}),
    "lunch": (_segment("lunch"), {"worker": ["lunch_end", "clock_out"],
                                  "supervisor": ["eject", "force_clock_out", "acknowledge"]}),
    "travel_time": (_segment("travel"), {"worker": ["travel_end", "clock_out"],
                                         "supervisor": ["eject", "force_clock_out", "acknowledge"]}),
    "working, past the eject window": (_working_late, {
        "worker": ["break_start", "lunch_start", "travel_start", "clock_out"],
        "supervisor": ["force_clock_out", "acknowledge"]}),
    "draft": (_draft, {"worker": ["clock_out", "edit_draft", "submit"],
                       "supervisor": ["force_clock_out", "acknowledge"]}),
    "pending_verification": (_pending, {"worker": [], "supervisor": ["verify", "edit", "dispute", "acknowledge"]}),
    "pending_worker_review": (_in_review, {"worker": ["accept", "reject"], "supervisor": ["dispute", "acknowledge"]}),
    "pending_supervisor_reevaluation": (_reevaluation, {
        "worker": [], "supervisor": ["verify", "edit", "dispute", "acknowledge"]}),
    "pending_supervisor_verification": (_manual_entry, {
        "worker": [], "supervisor": ["verify", "dispute", "acknowledge"]}),
    "verified": (_verified, {"worker": [], "supervisor": ["acknowledge"]}),
    "disputed": (_disputed, {"worker": [], "supervisor": ["acknowledge"]}),
    "pending_verification, an offline clock-out waiting": (_conflict_open, {
        "worker": [], "supervisor": ["dispute", "acknowledge"]}),
}  # fmt: skip


def _attempt(client, time_log_id: int, action: str) -> int:
    """The action through the API, undone afterwards (a savepoint): its status code."""
    method, path, body = TIMELOG_CALLS[action]
    with transaction.atomic():
        response = getattr(client, method)(f"/api/v1/timelogs/{time_log_id}/{path}", body(), format="json")
        transaction.set_rollback(True)
    return response.status_code


@pytest.mark.parametrize("state", STATES)
def test_a_time_log_lists_exactly_the_actions_the_server_then_allows(state, shift, api_as, clock):
    build, expected = STATES[state]
    time_log = build(shift, clock)
    for party, user in (("worker", shift.worker), ("supervisor", shift.supervisor)):
        client = api_as(user)
        [row] = [r for r in client.get("/api/v1/timelogs/").json()["results"] if r["id"] == time_log.pk]
        assert row["actions"] == expected[party], (state, party)
        outcomes = {action: _attempt(client, time_log.pk, action) for action in TIMELOG_ACTIONS}
        refused_listed = {a: code for a, code in outcomes.items() if a in row["actions"] and code >= 300}
        allowed_unlisted = {a: code for a, code in outcomes.items() if a not in row["actions"] and code < 300}
        assert refused_listed == {}, f"{state}, {party}: listed but refused"
        assert allowed_unlisted == {}, f"{state}, {party}: not listed but allowed"
        assert not [code for code in outcomes.values() if code in (404, 500)], (state, party, outcomes)


def test_an_answer_lists_the_actions_of_its_new_status(shift, api_as, clock):
    """Every write answers the time log with the caller's actions as they now stand."""
    worker = api_as(shift.worker)
    time_log = _working(shift, clock)
    response = worker.post(f"/api/v1/timelogs/{time_log.pk}/events/", _event("break_start"), format="json")
    assert response.json()["time_log"]["actions"] == ["break_end", "clock_out"]
    supervisor = api_as(shift.supervisor)
    clock.move_to(t(15, 10))
    worker.post(f"/api/v1/timelogs/{time_log.pk}/events/", _event("clock_out"), format="json")
    response = supervisor.post(f"/api/v1/timelogs/{time_log.pk}/verify/")
    assert (response.json()["status"], response.json()["actions"]) == ("verified", ["acknowledge"])


# --- Dispatches ---


def _offered(shift, dispatcher):
    """A second member offered a dispatch to the shift's employer (pending their answer)."""
    member = MemberFactory(user=UserFactory(kind=UserKind.MEMBER))
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    registration = referral_services.registration_register(member_id=member.pk, book_id=book.pk, by=dispatcher)
    request = dispatch_services.job_request_create(
        by=dispatcher, employer_id=shift.dispatch.employer_id, book_classification="inside_wireperson",
        region="seattle", workers_wanted=1, start_date=MONDAY + datetime.timedelta(days=2),
        report_time=datetime.time(7), worksite="Pier 91", wage_rate="60.00", taken_at=t(6),
    )  # fmt: skip
    dispatch = dispatch_services.dispatch_offer(
        job_request_id=request.pk, registration_id=registration.pk, by=dispatcher
    )
    return dispatch, member.user


DISPATCH_CALLS = {"accept": "accept/", "decline": "decline/", "check_in": "check-in/"}


def test_a_dispatch_lists_exactly_the_actions_the_server_then_allows(shift, api_as, clock, dispatcher):
    offered, member = _offered(shift, dispatcher)
    cases = [
        ("offered, the member", offered, member, ["accept", "decline"]),
        ("accepted, the member", shift.dispatch, shift.worker, []),
        ("accepted, the employer", shift.dispatch, shift.supervisor, ["check_in"]),
    ]
    for case, dispatch, user, expected in cases:
        client = api_as(user)
        if user in (member, shift.worker):
            [row] = [d for d in client.get("/api/v1/me/dispatches/").json()["results"] if d["id"] == dispatch.pk]
            assert row["actions"] == expected, case
        for action in DISPATCH_ACTIONS:
            with transaction.atomic():
                response = client.post(f"/api/v1/dispatches/{dispatch.pk}/{DISPATCH_CALLS[action]}")
                transaction.set_rollback(True)
            if action in expected:
                assert response.status_code == 200, (case, action, response.content)
                if action == "check_in":  # the employer's answer carries its own actions
                    assert response.json()["actions"] == ["check_in"], case
            else:
                assert response.status_code in (403, 404, 409), (case, action, response.status_code)


# --- PATCH: a partial update ---


def test_a_draft_edit_of_the_clock_out_alone_keeps_the_breaks(shift, api_as, clock):
    time_log = _working(shift, clock)
    timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind="break", at=t(10))
    timelogs.timelog_segment_end(timelog_id=time_log.pk, by=shift.worker, kind="break", at=t(10, 15))
    clock.move_to(t(15, 10))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    worker = api_as(shift.worker)
    response = worker.patch(f"/api/v1/timelogs/{time_log.pk}/", {"clock_out": t(15, 30).isoformat()}, format="json")
    assert response.status_code == 200, response.content
    times = response.json()["worker_times"]
    assert (times["clock_out"], times["break_minutes"], times["clock_in"]) == (
        t(15, 30).isoformat(), 15, t(7).isoformat()
    )  # fmt: skip
    assert times["billable_minutes"] == 8 * 60 + 30 - 15


def test_a_supervisor_edit_of_the_clock_out_alone_keeps_the_workers_breaks(shift, api_as, clock):
    time_log = _working(shift, clock)
    clock.move_to(t(15, 10))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(7),
                                clock_out=t(15), break_minutes=15, lunch_minutes=30)  # fmt: skip
    timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)
    response = api_as(shift.supervisor).post(
        f"/api/v1/timelogs/{time_log.pk}/edit/",
        {"clock_out": t(14).isoformat(), "note": "Left at 2"},
        format="json",
    )
    assert response.status_code == 200, response.content
    times = response.json()["supervisor_times"]
    assert (times["break_minutes"], times["lunch_minutes"], times["clock_in"]) == (15, 30, t(7).isoformat())


def test_a_draft_edit_with_nothing_to_change_changes_nothing(shift, api_as, clock):
    draft = _draft(shift, clock)
    before = draft.worker_times
    response = api_as(shift.worker).patch(f"/api/v1/timelogs/{draft.pk}/", {}, format="json")
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.worker_times == before
    assert draft.worker_edited is False


def test_the_schema_declares_the_edits_partial_and_the_actions_an_enum(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    patch = schema["paths"]["/api/v1/timelogs/{id}/"]["patch"]["requestBody"]["content"]["application/json"]
    patched = components[patch["schema"]["$ref"].rsplit("/", 1)[1]]
    assert patched.get("required", []) == []
    assert set(patched["properties"]) == {"clock_in", "clock_out", "break_minutes", "lunch_minutes"}
    assert all("default" not in spec for spec in patched["properties"].values())
    assert components["TimeLogEditApiInputRequest"]["required"] == ["note"]
    for component, actions in (("TimeLogOutput", TIMELOG_ACTIONS), ("DispatchOutput", DISPATCH_ACTIONS)):
        listed = components[component]["properties"]["actions"]
        assert listed["type"] == "array", component
        assert set(components[listed["items"]["$ref"].rsplit("/", 1)[1]]["enum"]) == set(actions), component
        assert "actions" in components[component]["required"], component
