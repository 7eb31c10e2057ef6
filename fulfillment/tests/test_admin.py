import datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from fulfillment.enums import TimeLogStatus, VerifiedBy
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)


def t(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


@pytest.fixture
def submitted(shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, clock_in=t(6, 30), clock_out=t(15))
    clock.move_to(t(15, 5))
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)


def lending_admin():
    staff = StaffFactory(groups=["officer"])
    staff.user_permissions.add(Permission.objects.get(codename="act_as_lending_admin"))
    return type(staff).objects.get(pk=staff.pk)


def test_the_time_log_page_shows_each_version_and_the_worker_edited_badge(client, submitted):
    client.force_login(StaffFactory(groups=["admin"]))
    page = client.get(reverse("admin:fulfillment_timelog_change", args=[submitted.pk])).content.decode()
    assert "Clock (calculated)" in page
    assert "Worker — edited in draft" in page
    assert "8.50 h" in page  # the worker's 6:30–15:00
    assert "8.00 h" in page  # the clock's 7:00–15:00


def test_union_staff_verify_as_lending_admin_and_the_history_says_so(client, submitted):
    staff = lending_admin()
    client.force_login(staff)
    client.post(
        reverse("admin:fulfillment_timelog_changelist"), {"action": "verify", "_selected_action": [submitted.pk]}
    )
    time_log = TimeLog.objects.get(pk=submitted.pk)
    assert time_log.status == S.VERIFIED
    latest = time_log.history.first()
    assert latest.history_user == staff
    assert latest.history_change_reason == "Verified by the supervisor (by union staff as lending admin)"


def test_a_time_log_union_staff_verified_says_so_and_not_supervisor(client, submitted):
    """Issue 20, finding 13: a dispatcher or an officer may verify any employer's time log as the
    lending admin (decision 0018); the record says union staff did, on the console and to the worker."""
    staff = lending_admin()
    timelogs.timelog_verify(timelog_id=submitted.pk, by=staff)
    time_log = TimeLog.objects.get(pk=submitted.pk)
    assert (time_log.verified_how, time_log.verified_by) == (VerifiedBy.STAFF, staff)
    client.force_login(staff)
    page = client.get(reverse("admin:fulfillment_timelog_change", args=[submitted.pk])).content.decode()
    assert "Union staff approved (lending admin)" in page
    client.force_login(submitted.worker)
    page = client.get(reverse("portal:member-timelog", args=[submitted.pk])).content.decode()
    assert "Union staff approved (lending admin)" in page
    assert "Supervisor approved" not in page


def test_a_dispute_from_the_console_needs_its_reason(client, submitted):
    client.force_login(lending_admin())
    url = reverse("admin:fulfillment_timelog_changelist")
    form = client.post(url, {"action": "dispute", "_selected_action": [submitted.pk]})
    assert b"reason" in form.content
    assert TimeLog.objects.get(pk=submitted.pk).status == S.PENDING_VERIFICATION
    client.post(
        url, {"action": "dispute", "_selected_action": [submitted.pk], "_apply_action": "1", "reason": "no-show"}
    )
    assert TimeLog.objects.get(pk=submitted.pk).status == S.DISPUTED


def test_staff_without_the_lending_admin_permission_get_no_time_log_actions(client, submitted):
    reader = StaffFactory(groups=["nobody"])
    reader.user_permissions.add(Permission.objects.get(codename="view_timelog"))
    client.force_login(reader)
    response = client.post(
        reverse("admin:fulfillment_timelog_changelist"), {"action": "verify", "_selected_action": [submitted.pk]}
    )
    assert TimeLog.objects.get(pk=submitted.pk).status == S.PENDING_VERIFICATION
    assert response.status_code in (200, 302, 403)


def test_a_refused_action_is_a_message_and_changes_nothing(client, submitted):
    timelogs.timelog_verify(timelog_id=submitted.pk, by=lending_admin())
    client.force_login(lending_admin())
    response = client.post(
        reverse("admin:fulfillment_timelog_changelist"),
        {"action": "verify", "_selected_action": [submitted.pk]},
        follow=True,
    )
    assert "verified and final" in response.content.decode()
