"""The supervisor in a phone browser (Chromium, 360 px): the SMS deep link, the portal login,
the verification card, an edit with a note, then — after the worker rejects — a dispute."""

import datetime

import pytest
from django.utils import timezone

from dispatch.models import EmployerUser
from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import SegmentKind, TimeLogStatus
from fulfillment.models import ClockInAcknowledgement, TimeLog
from fulfillment.services import timelogs
from fulfillment.services.notifications import card_link
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from fulfillment.tests.test_browser_member import fill_moment
from unioncore.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

S = TimeLogStatus
MIN = datetime.timedelta(minutes=1)


@pytest.fixture
def submitted_day():
    """A member on the job today (real clock: the browser's countdown runs on it), who worked
    about 8 hours with a 30-minute lunch, moved the start 15 minutes earlier in the draft and
    submitted. Returns (time_log, supervisor)."""
    employer = EmployerFactory(name="Sound Transit Electric")
    supervisor = SiteUserFactory(employer=employer, user__first_name="Dana", user__last_name="Ruiz").user
    worker = WorkerFactory(first_name="Ana", last_name="Ortiz")
    dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=timezone.localdate())
    dispatch.primary_site_contact = EmployerUser.objects.get(user=supervisor)
    dispatch.save()
    now = timezone.now().replace(second=0, microsecond=0)
    start, end = now - 9 * 60 * MIN, now - 30 * MIN
    user = worker.user
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=user, at=start)
    timelogs.timelog_segment_start(timelog_id=time_log.pk, by=user, kind=SegmentKind.LUNCH, at=start + 240 * MIN)
    timelogs.timelog_segment_end(timelog_id=time_log.pk, by=user, kind=SegmentKind.LUNCH, at=start + 270 * MIN)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=user, at=end)
    timelogs.timelog_draft_edit(
        timelog_id=time_log.pk, by=user, clock_in=start - 15 * MIN, clock_out=end, lunch_minutes=30
    )
    timelogs.timelog_submit(timelog_id=time_log.pk, by=user)
    return TimeLog.objects.get(pk=time_log.pk), supervisor


def test_the_supervisor_opens_the_link_edits_with_a_note_then_disputes(page, submitted_day, artifacts_dir):
    time_log, supervisor = submitted_day
    worker = time_log.worker

    # The SMS deep link: no session yet → the portal login, then straight back to the card.
    page.goto(_path(time_log))
    assert "/portal/login/" in page.url
    page.fill("input[name=identifier]", supervisor.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/portal/timelogs/**")

    # The card: who, where, the worker's times, the badge and the edit side by side.
    assert page.locator("h1#card-title").inner_text() == "Ana Ortiz"
    assert page.get_by_test_id("worker-edited").is_visible()
    assert page.get_by_test_id("status").inner_text() == "Waiting for the supervisor"
    versions = page.get_by_test_id("versions")
    assert versions.locator("thead").inner_text().split() == ["Time", "Clock", "Worker"]
    worker_start = timezone.localtime(time_log.worker_clock_in).strftime("%-I:%M %p")
    assert versions.locator("td.changed ins").first.inner_text() == worker_start
    hours = versions.locator("tr", has_text="Hours")
    assert hours.locator("del").inner_text() == "8 h 00"  # the clock's: 8 h 30 less the lunch
    assert hours.locator("ins").inner_text() == "8 h 15"  # the worker's: 15 minutes earlier
    assert page.locator("[data-countdown-left]").first.inner_text().endswith("left"), "the countdown runs"
    assert ClockInAcknowledgement.objects.filter(time_log=time_log, user=supervisor).count() == 1
    page.screenshot(path=str(artifacts_dir / "verification-card-360.png"), full_page=True)

    # Edit with a note: the end 30 minutes earlier.
    new_end = time_log.worker_clock_out - 30 * MIN
    page.click("summary:has-text('Edit the times')")
    fill_moment(page, "clock_out", new_end)
    page.fill("textarea[name=note]", "Gate log: left 30 minutes early.")
    page.click("button:has-text('Send my times to the worker')")
    page.wait_for_load_state()
    assert f"sent to {worker.get_full_name()} to review" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Waiting for the worker (supervisor edited)"
    assert "Supervisor" in page.get_by_test_id("versions").locator("thead").inner_text()
    time_log.refresh_from_db()
    assert time_log.status == S.PENDING_WORKER_REVIEW
    assert time_log.supervisor_clock_out == new_end
    assert time_log.supervisor_note == "Gate log: left 30 minutes early."

    # The worker rejects (on their own pages; here through the service) — the supervisor disputes.
    timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=worker, comment="I stayed to lock the gang box.")
    page.reload()
    assert page.get_by_test_id("status").inner_text() == "Waiting for the supervisor (worker rejected)"
    assert "I stayed to lock the gang box." in page.get_by_test_id("worker-comment").inner_text()
    page.click("summary:has-text('Dispute these hours')")
    page.fill("textarea[name=reason]", "The site closed at 3; nobody stayed.")
    page.click("button:has-text('File the dispute')")
    page.wait_for_load_state()
    assert "Dispute filed" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("status").inner_text() == "Disputed"
    assert "The site closed at 3; nobody stayed." in page.locator("#dispute-title + .note").inner_text()
    assert page.locator("button:has-text('File the dispute')").count() == 0
    time_log.refresh_from_db()
    assert time_log.status == S.DISPUTED


def test_an_edit_without_a_note_shows_the_error_beside_the_note(page, submitted_day, live_server):
    time_log, supervisor = submitted_day
    _sign_in(page, live_server, supervisor)
    page.goto(_path(time_log))
    page.click("summary:has-text('Edit the times')")
    fill_moment(page, "clock_out", time_log.worker_clock_out - 30 * MIN)
    page.click("button:has-text('Send my times to the worker')")
    page.wait_for_load_state()
    error = page.locator("#id_note_error")
    assert error.is_visible()
    assert error.inner_text() == "This field is required."
    assert page.locator("textarea[name=note]").get_attribute("aria-invalid") == "true"
    kept = timezone.localtime(time_log.worker_clock_out - 30 * MIN)
    assert page.locator("select[name=clock_out_0]").input_value() == kept.date().isoformat()
    assert page.locator("input[name=clock_out_1]").input_value() == kept.strftime("%I:%M %p").lstrip("0")
    assert TimeLog.objects.get(pk=time_log.pk).status == S.PENDING_VERIFICATION


def test_approve_works_with_javascript_off(browser, live_server, submitted_day):
    time_log, supervisor = submitted_day
    context = browser.new_context(
        viewport={"width": 360, "height": 780}, base_url=live_server.url, java_script_enabled=False
    )
    try:
        page = context.new_page()
        _sign_in(page, live_server, supervisor)
        page.goto("/portal/crew/")
        row = page.get_by_test_id("waiting").locator("li").first
        assert "Ana Ortiz" in row.inner_text()
        assert "Auto-approves" in row.inner_text()  # the deadline's time, without the countdown
        row.locator("a.open").click()
        page.click("button:has-text('Approve')")
        assert "Approved: 8 h 15 verified." in page.locator(".messages").inner_text()
        assert page.get_by_test_id("status").inner_text() == "Verified"
    finally:
        context.close()
    assert TimeLog.objects.get(pk=time_log.pk).status == S.VERIFIED


def _path(time_log) -> str:
    return "/portal/" + card_link(time_log).split("/portal/", 1)[1]


def _sign_in(page, live_server, user) -> None:
    """A session made by Django's test client, handed to the browser as its cookie."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip


def test_the_site_kiosk_stops_a_running_shift_and_it_is_verified(page, live_server, artifacts_dir):
    employer = EmployerFactory(name="Pier Crew Electric")
    supervisor = SiteUserFactory(employer=employer).user
    worker = WorkerFactory(first_name="Sam", last_name="Lee")
    dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=timezone.localdate())
    time_log = timelogs.timelog_clock_in(
        dispatch_id=dispatch.pk, by=worker.user, at=timezone.now() - 8 * 60 * MIN - 5 * MIN
    )
    _sign_in(page, live_server, supervisor)
    page.goto("/portal/crew/kiosk/")
    shift = page.get_by_test_id("open-shifts").locator("li", has_text="Sam Lee")
    assert shift.locator("[data-elapsed-out]").inner_text().startswith("8 h 0"), "the running timer"
    page.screenshot(path=str(artifacts_dir / "kiosk-360.png"), full_page=True)
    shift.get_by_role("button", name="Stop shift of Sam Lee").click()
    page.wait_for_load_state()
    assert "Stopped and verified: " in page.locator(".messages").inner_text()
    assert page.get_by_text("No one is on shift.").is_visible()
    time_log.refresh_from_db()
    assert time_log.status == S.VERIFIED
    assert time_log.verified_how == "kiosk"
