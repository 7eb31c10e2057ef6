"""An offline clock-out that meets a force clock-out (decision 0035): the time log's 4-hour timer
waits for the supervisor's choice, made on the card, the crew list, the API or in the console,
with both versions shown; the worker is told the outcome and sees it on their time-log page."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from dispatch.tests.factories import EmployerUserFactory
from fulfillment.enums import SyncStatus, TimeLogStatus
from fulfillment.models import AUTO_APPROVAL_SETTLE, TimeLog, TimeLogOfflineSync, Times
from fulfillment.portal.supervisor_selectors import card_path
from fulfillment.services import notifications, sync, timelogs
from unioncore.errors import RuleViolation
from unioncore.models import User
from unioncore.notifications.models import Notification
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
H = datetime.timedelta(hours=1)


def t(hour, minute=0):
    return at(MONDAY, hour) + datetime.timedelta(minutes=minute)


@pytest.fixture
def conflict(shift, clock) -> TimeLogOfflineSync:
    """Clocked in at 7:00; the supervisor forced the clock-out at 16:00 for 15:00 (the timer runs
    to 20:00); at 17:00 the worker's phone, back in signal, sent its clock-out of 15:20."""
    User.objects.filter(pk=shift.supervisor.pk).update(phone="+12065550122")  # the site contact, reachable
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(16))
    timelogs.timelog_force_clock_out(timelog_id=time_log.pk, by=shift.supervisor, at=t(15), reason="Left the site")
    clock.move_to(t(17))
    event = {"client_uuid": str(uuid.uuid4()), "type": "clock_out", "device_time": t(15, 20), "timelog": time_log.pk}
    [result] = sync.sync_events(worker=shift.worker, events=[event])
    assert result["status"] == "conflict"
    return TimeLogOfflineSync.objects.get(client_uuid=event["client_uuid"])


def log_of(row) -> TimeLog:
    return TimeLog.objects.get(pk=row.conflict_with_id)


# --- The pause ---


@pytest.mark.sqlite  # make run
def test_an_open_conflict_pauses_the_timer_and_the_reminders(shift, clock, conflict, system_user):
    assert log_of(conflict).auto_approval_time == t(20)
    clock.move_to(t(18))
    notifications.run_escalations()
    clock.move_to(t(23))
    notifications.run_escalations()
    assert timelogs.auto_approve_due(by=system_user) == 0, "the sweep approved a log with an open conflict"
    time_log = log_of(conflict)
    assert (time_log.status, time_log.final_times) == (S.PENDING_VERIFICATION, None)
    reminders = Notification.objects.filter(about_id=time_log.pk, kind__in=["verify_t60", "verify_t3h"]).count()
    assert reminders == 0, f"{reminders} reminders of a deadline that is paused"


@pytest.mark.sqlite  # make run
def test_kept_the_timer_starts_again_in_full_from_the_choice(shift, clock, conflict, system_user):
    clock.move_to(t(23))
    sync.sync_conflict_resolve(sync_id=conflict.pk, by=shift.supervisor, accept_worker=False)
    time_log = log_of(conflict)
    assert time_log.auto_approval_time == t(23) + 4 * H
    clock.move_to(t(23) + 4 * H + AUTO_APPROVAL_SETTLE - datetime.timedelta(seconds=1))
    assert timelogs.auto_approve_due(by=system_user) == 0
    clock.move_to(t(23) + 4 * H + AUTO_APPROVAL_SETTLE)
    assert timelogs.auto_approve_due(by=system_user) == 1
    assert log_of(conflict).final_times == Times(t(7), t(15)), "the recorded clock-out stood"


def test_taken_the_workers_clock_out_goes_to_them_with_a_fresh_timer(shift, clock, conflict, system_user):
    clock.move_to(t(23))
    sync.sync_conflict_resolve(sync_id=conflict.pk, by=shift.supervisor, accept_worker=True)
    time_log = log_of(conflict)
    assert (time_log.status, time_log.supervisor_times) == (S.PENDING_WORKER_REVIEW, Times(t(7), t(15, 20)))
    assert time_log.auto_approval_time == t(23) + 4 * H
    clock.move_to(t(23) + 4 * H + AUTO_APPROVAL_SETTLE)
    assert timelogs.auto_approve_due(by=system_user) == 1
    assert log_of(conflict).final_clock_out == t(15, 20)


def test_approving_or_editing_waits_for_the_choice(shift, conflict):
    for act in (
        lambda: timelogs.timelog_verify(timelog_id=conflict.conflict_with_id, by=shift.supervisor),
        lambda: timelogs.timelog_edit(
            timelog_id=conflict.conflict_with_id, by=shift.supervisor, clock_in=t(7), clock_out=t(14), note="left at 2"
        ),
    ):
        with pytest.raises(RuleViolation) as refused:
            act()
        assert refused.value.code == "sync_conflict_open"
    assert log_of(conflict).status == S.PENDING_VERIFICATION


def test_the_supervisor_is_asked_and_the_worker_told_the_outcome(shift, clock, conflict):
    [asked] = Notification.objects.filter(kind="sync_conflict_t0")
    assert asked.recipient_id == shift.supervisor.pk
    assert "ended at 3:00 PM" in asked.body
    assert "/portal/timelogs/" in asked.body
    sync.sync_conflict_resolve(sync_id=conflict.pk, by=shift.supervisor, accept_worker=False)
    [message] = Notification.objects.filter(kind="sync_conflict_kept")
    assert message.recipient == shift.worker
    assert "kept the clock-out at 3:00 PM" in message.body
    assert not Notification.objects.filter(kind="sync_conflict_taken").exists()


# --- The card ---


def test_the_card_shows_both_versions_and_pauses_the_deadline(client, shift, conflict):
    client.force_login(shift.supervisor)
    page = client.get(card_path(log_of(conflict))).content.decode()
    assert 'data-testid="conflicts"' in page
    assert 'data-testid="paused"' in page
    assert "3:00 PM" in page
    assert "3:20 PM" in page
    assert "Approve the worker" not in page, "approving is offered before the choice"


def test_the_supervisor_takes_the_workers_clock_out_on_the_card(client, shift, conflict):
    client.force_login(shift.supervisor)
    path = card_path(log_of(conflict))
    response = client.post(path, {"action": "conflict", "sync": conflict.pk, "choice": "take"}, follow=True)
    assert "sent to" in response.content.decode()
    assert log_of(conflict).status == S.PENDING_WORKER_REVIEW
    assert TimeLogOfflineSync.objects.get(pk=conflict.pk).status == SyncStatus.SYNCED


def test_a_card_post_without_a_choice_changes_nothing(client, shift, conflict):
    client.force_login(shift.supervisor)
    response = client.post(card_path(log_of(conflict)), {"action": "conflict", "sync": conflict.pk}, follow=True)
    assert response.status_code == 200
    assert "Choose which clock-out stands" in response.content.decode()
    assert TimeLogOfflineSync.objects.get(pk=conflict.pk).status == SyncStatus.CONFLICT


# --- The crew list ---


@pytest.mark.sqlite  # make run
def test_the_crew_list_shows_the_conflict_and_keeps_the_recorded_clock_out(client, shift, conflict):
    client.force_login(shift.supervisor)
    page = client.get(reverse("portal:supervisor-list")).content.decode()
    assert f'data-testid="conflict-{conflict.pk}"' in page
    assert "3:20 PM" in page
    assert "Paused" in page
    response = client.post(reverse("portal:supervisor-conflict-resolve", args=[conflict.pk]), {"choice": "keep"})
    assert response.status_code == 302
    row = TimeLogOfflineSync.objects.get(pk=conflict.pk)
    assert (row.status, row.result["resolution"]["accepted_worker"]) == (SyncStatus.SYNCED, False)


def test_a_supervisor_of_another_employer_gets_a_404_and_changes_nothing(client, shift, conflict):
    client.force_login(shift.other_employer_supervisor)
    url = reverse("portal:supervisor-conflict-resolve", args=[conflict.pk])
    assert client.post(url, {"choice": "take"}).status_code == 404
    assert client.post(card_path(log_of(conflict)), {"action": "conflict", "sync": conflict.pk,
                                                    "choice": "take"}).status_code == 404  # fmt: skip
    assert f"conflict-{conflict.pk}" not in client.get(reverse("portal:supervisor-list")).content.decode()
    assert TimeLogOfflineSync.objects.get(pk=conflict.pk).status == SyncStatus.CONFLICT


# --- The API ---


@pytest.mark.sqlite  # make run
def test_the_api_lists_both_versions_and_settles_the_conflict(api_as, shift, conflict):
    client = api_as(shift.supervisor)
    [listed] = client.get(reverse("api:sync-conflicts")).json()
    assert (listed["id"], listed["time_log"], listed["can_take_worker"]) == (
        conflict.pk, conflict.conflict_with_id, True
    )  # fmt: skip
    ends = [datetime.datetime.fromisoformat(listed[v]["clock_out"]) for v in ("recorded", "worker")]
    assert ends == [t(15), t(15, 20)]
    url = reverse("api:sync-conflict-resolve", args=[conflict.pk])
    assert client.post(url, {}, format="json").status_code == 400
    answer = client.post(url, {"accept_worker": True}, format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["resolution"]["accepted_worker"] is True
    assert answer.json()["time_log_status"] == S.PENDING_WORKER_REVIEW
    again = client.post(url, {"accept_worker": False}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_in_conflict")
    assert client.get(reverse("api:sync-conflicts")).json() == []


def test_through_the_api_another_employer_gets_a_404_and_the_worker_a_403(api_as, shift, conflict):
    url = reverse("api:sync-conflict-resolve", args=[conflict.pk])
    outsider = api_as(shift.other_employer_supervisor)
    assert outsider.get(reverse("api:sync-conflicts")).json() == []
    assert outsider.post(url, {"accept_worker": True}, format="json").status_code == 404
    refused = api_as(shift.worker).post(url, {"accept_worker": True}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "not_allowed")
    assert TimeLogOfflineSync.objects.get(pk=conflict.pk).status == SyncStatus.CONFLICT


def test_a_manager_of_the_employer_may_settle_too(api_as, shift, conflict):
    answer = api_as(shift.manager).post(
        reverse("api:sync-conflict-resolve", args=[conflict.pk]), {"accept_worker": False}, format="json"
    )
    assert answer.status_code == 200


# --- The console ---


def lending_admin():
    staff = StaffFactory(groups=["officer"])
    staff.user_permissions.add(Permission.objects.get(codename="act_as_lending_admin"))
    return type(staff).objects.get(pk=staff.pk)


def test_union_staff_settle_a_conflict_in_the_console_seeing_both_versions(client, shift, conflict):
    staff = lending_admin()
    client.force_login(staff)
    changelist = reverse("admin:fulfillment_timelogofflinesync_changelist")
    page = client.get(changelist, {"to_settle": "yes"}).content.decode()
    assert "Worker&#x27;s phone" in page or "Worker's phone" in page
    assert "3:20 PM" in page
    assert "waiting for a choice" in page
    client.post(changelist, {"action": "take_workers", "_selected_action": [conflict.pk]})
    row = TimeLogOfflineSync.objects.get(pk=conflict.pk)
    assert (row.status, row.history.first().history_user) == (SyncStatus.SYNCED, staff)
    assert log_of(conflict).status == S.PENDING_WORKER_REVIEW


def test_staff_without_the_lending_admin_permission_cannot_settle(client, shift, conflict):
    reader = StaffFactory(groups=["nobody"])
    reader.user_permissions.add(Permission.objects.get(codename="view_timelogofflinesync"))
    client.force_login(reader)
    client.post(
        reverse("admin:fulfillment_timelogofflinesync_changelist"),
        {"action": "keep_recorded", "_selected_action": [conflict.pk]},
    )
    assert TimeLogOfflineSync.objects.get(pk=conflict.pk).status == SyncStatus.CONFLICT
    with pytest.raises(RuleViolation) as refused:
        sync.sync_conflict_resolve(sync_id=conflict.pk, by=reader, accept_worker=False)
    assert refused.value.code == "not_allowed"


# --- The worker's page ---


def test_the_worker_sees_the_wait_then_the_outcome_on_their_time_log(client, shift, conflict):
    client.force_login(shift.worker)
    path = reverse("portal:member-timelog", args=[conflict.conflict_with_id])
    assert "Your supervisor chooses which clock-out stands" in client.get(path).content.decode()
    sync.sync_conflict_resolve(sync_id=conflict.pk, by=shift.supervisor, accept_worker=False)
    page = client.get(path).content.decode()
    assert "Not taken" in page
    assert "kept the clock-out at 3:00 PM" in page


def test_another_supervisor_of_the_same_employer_sees_it_settled(shift, conflict):
    colleague = EmployerUserFactory(employer=shift.dispatch.employer, role="supervisor").user
    sync.sync_conflict_resolve(sync_id=conflict.pk, by=colleague, accept_worker=False)
    with pytest.raises(RuleViolation) as again:
        sync.sync_conflict_resolve(sync_id=conflict.pk, by=shift.supervisor, accept_worker=True)
    assert again.value.code == "not_in_conflict"
