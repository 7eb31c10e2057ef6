"""A refused form on a phone (Chromium, 390 × 844): the page comes back with a summary of what to
fix at the top, in view and focused, "Error:" before the title, and each field's error tied to
its input (issue 25, item 1). One test per form the audit named, and sign-in and manual entry."""

import datetime

import pytest
from django.utils import timezone

from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from fulfillment.tests.test_browser_member import (
    fill_moment,
    shift,  # noqa: F401 (a fixture)
    sign_in,
)
from fulfillment.tests.test_browser_supervisor import _path, _sign_in, submitted_day  # noqa: F401
from unioncore.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

H = datetime.timedelta(hours=1)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    return page


def the_error_is_in_view_and_focused(page, *, says: str) -> None:
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    box = summary.bounding_box()
    assert box is not None
    top, bottom = box["y"], box["y"] + min(box["height"], 120)  # its first lines at least
    assert top >= 0, f"the error summary at y = {top:.0f}, above the screen"
    assert bottom <= PHONE["height"], f"the error summary at y = {top:.0f}, below the 844 px screen"
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary", "focus is on the summary"
    assert summary.get_attribute("role") == "alert"
    assert says in summary.inner_text()
    assert page.title().startswith("Error: ")


def described_by_its_error(page, selector: str) -> str:
    """The text of the error the input names in aria-describedby (what a screen reader reads)."""
    ids = page.locator(selector).get_attribute("aria-describedby") or ""
    error_ids = [i for i in ids.split() if i.endswith("_error")]
    assert error_ids, f"{selector} is not described by its error ({ids!r})"
    return page.locator(f"#{error_ids[0]}").inner_text()


def test_a_wrong_password_is_summarized_at_the_top(phone, shift):  # noqa: F811
    phone.goto("/portal/login/")
    phone.get_by_label("Phone number or username").fill("worker1")
    phone.get_by_label("Password").fill(PASSWORD + "x")
    phone.get_by_role("button", name="Sign in").click()
    the_error_is_in_view_and_focused(phone, says="One thing to fix")
    assert phone.title() == "Error: Sign in · IBEW Local 46"


def test_a_rejection_without_a_comment_is_in_view_and_focused(phone, shift):  # noqa: F811
    dispatch, worker, supervisor = shift
    now = timezone.now()
    log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=now - 9 * H)
    timelogs.timelog_stop_work(timelog_id=log.pk, by=worker, at=now - H)
    timelogs.timelog_submit(timelog_id=log.pk, by=worker)
    timelogs.timelog_edit(
        timelog_id=log.pk, by=supervisor, clock_in=now - 9 * H, clock_out=now - 2 * H, note="Crew left early"
    )
    sign_in(phone, "worker1")
    phone.goto(f"/portal/me/timelogs/{log.pk}/")
    phone.get_by_role("button", name="Reject the change").click()
    the_error_is_in_view_and_focused(phone, says="Why do you reject the change?")
    assert described_by_its_error(phone, "textarea[name=comment]")
    phone.get_by_test_id("error-summary").get_by_role("link").first.click()
    assert phone.evaluate("document.activeElement.name") == "comment", "the summary's link leads to the field"
    assert TimeLog.objects.get(pk=log.pk).status == S.PENDING_WORKER_REVIEW


def test_a_manual_entry_without_times_is_in_view_and_focused(phone, shift):  # noqa: F811
    sign_in(phone, "worker1")
    phone.goto("/portal/me/timelogs/manual/")
    phone.get_by_role("button", name="Send for verification").click()
    the_error_is_in_view_and_focused(phone, says="Start")
    assert described_by_its_error(phone, "select[name=clock_in_0]") == "This field is required."
    assert described_by_its_error(phone, "input[name=clock_in_1]") == "This field is required.", "the time too"
    assert not TimeLog.objects.exists()


def test_the_supervisors_edit_without_a_note_is_in_view_and_focused(phone, submitted_day, live_server):  # noqa: F811
    time_log, supervisor = submitted_day
    _sign_in(phone, live_server, supervisor)
    phone.goto(_path(time_log))
    phone.click("summary:has-text('Edit the times')")
    fill_moment(phone, "clock_out", time_log.worker_clock_out - H)
    phone.click("button:has-text('Send my times to the worker')")
    the_error_is_in_view_and_focused(phone, says="This field is required.")
    assert described_by_its_error(phone, "textarea[name=note]") == "This field is required."
    assert TimeLog.objects.get(pk=time_log.pk).status == S.PENDING_VERIFICATION


def test_the_kiosks_stop_with_changes_without_a_note_is_in_view_and_focused(phone, live_server):
    employer = EmployerFactory(name="Pier Crew Electric")
    supervisor = SiteUserFactory(employer=employer).user
    worker = WorkerFactory(first_name="Sam", last_name="Lee")
    dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=timezone.localdate())
    clock_in = timezone.now().replace(second=0, microsecond=0) - 8 * H
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker.user, at=clock_in)
    _sign_in(phone, live_server, supervisor)
    phone.goto(f"/portal/crew/kiosk/{time_log.pk}/stop-with-changes/")
    fill_moment(phone, "clock_out", clock_in + 7 * H)
    phone.get_by_role("button", name="Stop the shift with these times").click()
    the_error_is_in_view_and_focused(phone, says="This field is required.")
    assert described_by_its_error(phone, "textarea[name=note]") == "This field is required."
    assert TimeLog.objects.get(pk=time_log.pk).status == S.WORKING
