"""In Chromium at phone width: a member's shift from clock-in to submit, and the member's
rejection of a supervisor's edit — each step checked on screen."""

import datetime

import pytest
from django.utils import timezone

from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.factories import on_the_job
from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

H = datetime.timedelta(hours=1)


@pytest.fixture
def shift(dispatcher):
    """An accepted dispatch of a member with a login, in real time (the live server's), started on
    the day of ten hours ago: a shift the tests put 9 hours back falls inside it at any hour (at
    01:00 today's dispatch would not yet have started)."""
    employer = EmployerFactory(name="Sound Electric")
    supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
    worker = UserFactory(username="worker1", kind=UserKind.MEMBER, phone="+12065550155")
    dispatch = on_the_job(
        worker=MemberFactory(user=worker, first_name="Sam"), employer=employer, by=dispatcher,
        day=timezone.localdate(timezone.now() - 10 * H), site_contact=supervisor,
    )  # fmt: skip
    return dispatch, worker, supervisor


def sign_in(page, username):
    page.goto("/portal/login/")
    page.get_by_label("Phone number or username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Hello, Sam").wait_for()


def field_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def fill_moment(page, name: str, moment) -> None:
    """A date-and-time field (decision 0056): its day chosen from the list, its time typed."""
    local = timezone.localtime(moment)
    page.select_option(f"select[name={name}_0]", local.date().isoformat())
    page.fill(f"input[name={name}_1]", local.strftime("%I:%M %p").lstrip("0"))


def status_text(page) -> str:
    return page.locator("#status").inner_text()


def test_a_member_clocks_in_takes_a_break_stops_edits_the_draft_and_submits(page, shift):
    dispatch, _worker, _ = shift
    sign_in(page, "worker1")
    page.get_by_role("link", name="My hours").click()
    page.get_by_role("button", name="Clock in at Sound Electric").click()
    page.get_by_text("You are clocked in.").wait_for()
    assert status_text(page) == "Working"

    page.get_by_role("button", name="Start").click()  # "Break" is the preselected kind
    page.get_by_text("Break started.").wait_for()
    assert status_text(page) == "On a break"
    page.get_by_role("button", name="Back to work").click()
    page.get_by_text("Back to work: break ended.").wait_for()
    assert status_text(page) == "Working"

    page.get_by_role("button", name="Stop work").click()
    page.get_by_role("heading", name="Check your times").wait_for()
    assert status_text(page) == "Draft (stopped, not submitted)"

    now = timezone.now()
    start, end = now - 8 * H, now - H / 2
    fill_moment(page, "clock_in", start)
    fill_moment(page, "clock_out", end)
    page.get_by_label("Breaks (minutes)").fill("30")
    page.get_by_role("button", name="Save my times").click()
    page.get_by_text("Times saved.").wait_for()
    assert page.get_by_label("Breaks (minutes)").input_value() == "30"

    page.get_by_role("button", name="Submit my hours").click()
    page.get_by_text("Submitted.").wait_for()
    assert status_text(page) == "Waiting for the supervisor"
    log = TimeLog.objects.get(dispatch=dispatch)
    assert (log.status, log.worker_edited, log.worker_times.break_minutes) == (S.PENDING_VERIFICATION, True, 30)
    assert field_time(log.worker_times.clock_in) == field_time(start)


def test_a_member_shown_a_supervisors_edit_rejects_it_with_a_comment(page, shift, artifacts_dir):
    dispatch, worker, supervisor = shift
    now = timezone.now()
    log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=now - 9 * H)
    timelogs.timelog_stop_work(timelog_id=log.pk, by=worker, at=now - H)
    timelogs.timelog_submit(timelog_id=log.pk, by=worker)
    timelogs.timelog_edit(
        timelog_id=log.pk, by=supervisor, clock_in=now - 9 * H, clock_out=now - 2 * H, note="Crew left early"
    )

    sign_in(page, "worker1")
    page.get_by_role("link", name="My hours").click()
    page.get_by_role("link", name=timezone.localtime(log.clock_in_at).strftime("%a %b %-d")).first.click()
    page.get_by_role("heading", name="Your supervisor changed your hours").wait_for()
    assert "Crew left early" in page.content()
    compare = page.locator("#compare")
    assert compare.locator("tr.changed").count() == 2, "the end and the paid hours differ"
    assert "8 h 00 min" in compare.inner_text()
    assert "7 h 00 min" in compare.inner_text()
    page.screenshot(path=str(artifacts_dir / "member-review-edit-360.png"), full_page=True)

    page.get_by_role("button", name="Reject the change").click()
    page.get_by_text("Say why you reject the edit.").or_(page.get_by_text("This field is required.")).first.wait_for()
    page.get_by_label("Why do you reject the change?").fill("I worked until the crew truck left")
    page.get_by_role("button", name="Reject the change").click()
    page.get_by_text("You rejected the change.").wait_for()
    assert status_text(page) == "Waiting for the supervisor (worker rejected)"
    log.refresh_from_db()
    assert (log.status, log.worker_comment) == (S.PENDING_SUPERVISOR_REEVALUATION, "I worked until the crew truck left")


def test_a_member_sends_a_correction_of_a_verified_shift(page, shift, artifacts_dir):
    dispatch, worker, supervisor = shift
    now = timezone.now()
    log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=now - 9 * H)
    timelogs.timelog_stop_work(timelog_id=log.pk, by=worker, at=now - 2 * H)
    timelogs.timelog_submit(timelog_id=log.pk, by=worker)
    timelogs.timelog_verify(timelog_id=log.pk, by=supervisor)

    sign_in(page, "worker1")
    page.goto(f"/portal/me/timelogs/{log.pk}/")
    assert status_text(page) == "Verified"
    page.get_by_text("Send a correction").click()
    fill_moment(page, "clock_out", now - H)
    page.get_by_role("button", name="Send the correction").click()
    page.get_by_text("This field is required.").first.wait_for()  # what was wrong is required
    page.get_by_label("What was wrong").fill("I stayed an hour to load the truck")
    page.screenshot(path=str(artifacts_dir / "member-correction-360.png"), full_page=True)
    page.get_by_role("button", name="Send the correction").click()
    page.get_by_text("Correction sent.").wait_for()
    assert status_text(page) == "Waiting for the supervisor (manual entry)"
    fixed = TimeLog.objects.get(correction_of=log)
    assert fixed.status == S.PENDING_SUPERVISOR_VERIFICATION
    assert field_time(fixed.worker_times.clock_out) == field_time(now - H)
    assert TimeLog.objects.get(pk=log.pk).status == S.VERIFIED
