"""The supervisor on a phone (Chromium, 360 px) settles an offline clock-out from the crew list:
both versions side by side, the paused deadline, one button (decision 0035)."""

import datetime
import uuid

import pytest
from django.utils import timezone

from dispatch.models import EmployerUser
from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import SyncStatus, TimeLogStatus
from fulfillment.models import TimeLog, TimeLogOfflineSync
from fulfillment.services import sync, timelogs
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from unioncore.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MIN = datetime.timedelta(minutes=1)


@pytest.fixture
def conflict():
    """Today (real clock): clocked in 9 hours ago; the supervisor forced the clock-out for an
    hour ago; the worker's phone then sent its clock-out of 40 minutes ago."""
    employer = EmployerFactory(name="Sound Transit Electric")
    supervisor = SiteUserFactory(employer=employer, user__first_name="Dana", user__last_name="Ruiz").user
    worker = WorkerFactory(first_name="Ana", last_name="Ortiz")
    dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=timezone.localdate())
    dispatch.primary_site_contact = EmployerUser.objects.get(user=supervisor)
    dispatch.save()
    now = timezone.now().replace(second=0, microsecond=0)
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker.user, at=now - 540 * MIN)
    timelogs.timelog_force_clock_out(timelog_id=time_log.pk, by=supervisor, at=now - 60 * MIN, reason="Gone at 3")
    event = {"client_uuid": str(uuid.uuid4()), "type": "clock_out", "device_time": now - 40 * MIN,
             "timelog": time_log.pk}  # fmt: skip
    sync.sync_events(worker=worker.user, events=[event])
    return TimeLogOfflineSync.objects.get(client_uuid=event["client_uuid"]), supervisor, now - 40 * MIN


def test_the_supervisor_takes_the_workers_offline_clock_out_from_the_crew_list(page, live_server, conflict,
                                                                                 artifacts_dir):  # fmt: skip
    row, supervisor, phone_end = conflict
    page.goto(f"{live_server.url}/portal/crew/")
    page.fill("input[name=identifier]", supervisor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/portal/crew/")

    panel = page.get_by_test_id(f"conflict-{row.pk}")
    assert "Ana Ortiz" in panel.inner_text()
    assert timezone.localtime(phone_end).strftime("%-I:%M %p") in panel.locator("td.changed ins").first.inner_text()
    assert page.get_by_test_id("paused").first.is_visible(), "the deadline shows as paused"
    page.screenshot(path=str(artifacts_dir / "crew-list-conflict-360.png"), full_page=True)

    panel.get_by_role("button", name="Take the worker's clock-out").click()
    page.get_by_text("sent to Ana Ortiz").wait_for()
    assert page.get_by_test_id(f"conflict-{row.pk}").count() == 0
    assert TimeLogOfflineSync.objects.get(pk=row.pk).status == SyncStatus.SYNCED
    assert TimeLog.objects.get(pk=row.conflict_with_id).status == TimeLogStatus.PENDING_WORKER_REVIEW
