"""The site kiosk's "Stop with changes" (seed A and B step 2): the supervisor stops a running shift
with their own times and a note. The same hours as the clock's are no edit (verified at once, as
with "Stop shift"); other times go to the worker to review, the 4-hour timer restarted."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.tests.factories import EmployerFactory
from fulfillment.enums import SegmentKind, TimeLogStatus, VerifiedBy
from fulfillment.models import TimeLog, Times
from fulfillment.portal.forms import parse_wall_time
from fulfillment.portal.supervisor_forms import KioskStopForm
from fulfillment.services import timelogs
from fulfillment.tests.factories import ReachableStaffFactory, SiteUserFactory, WorkerFactory, on_the_job
from fulfillment.tests.test_browser_member import fill_moment
from fulfillment.tests.test_browser_supervisor import _sign_in
from unioncore.notifications.enums import Channel
from unioncore.notifications.models import Notification
from unioncore.testing import at

pytestmark = pytest.mark.django_db

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
H = datetime.timedelta(hours=1)
MIN = datetime.timedelta(minutes=1)


def t(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


def get(time_log):
    return TimeLog.objects.get(pk=time_log.pk)


def url(time_log):
    return reverse("portal:supervisor-kiosk-stop-edit", args=[time_log.pk])


def on_shift(shift, *, lunch=True):
    """Clocked in at 7:00, lunch 11:00–11:30 (when `lunch`), still working."""
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    if lunch:
        timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11))
        timelogs.timelog_segment_end(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11, 30))
    return time_log


def opened(client, time_log) -> dict:
    """Open the page; its form as the browser would send it back untouched (note empty)."""
    response = client.get(url(time_log))
    assert response.status_code == 200
    page = response.content.decode()
    fields = re.findall(r'<input [^>]*name="(\w+)"[^>]*value="([^"]*)"', page)
    data = {name: html.unescape(value) for name, value in fields if name != "csrfmiddlewaretoken"} | {"note": ""}
    # A date-and-time field is a day chosen and a time typed (decision 0056): both as the browser
    # sends them, and the moment as one value (2026-12-07T07:00) for the tests to read and change.
    for name, day in re.findall(r'<select name="(\w+)_0"[^>]*>.*?<option value="([^"]*)" selected>', page, re.S):
        data[f"{name}_0"] = day
        data[name] = f"{day}T{parse_wall_time(data[f'{name}_1']).strftime('%H:%M')}"
    return data


def reviews_requested(time_log) -> list[tuple]:
    rows = Notification.objects.filter(about_id=time_log.pk, kind="review_t0").select_related("recipient")
    return [(n.recipient, n.channel) for n in rows]


def test_the_form_is_prefilled_with_the_clocks_times_ending_now(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    assert {k: data[k] for k in ("clock_in", "clock_out", "break_minutes", "lunch_minutes")} == {
        "clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T15:30", "break_minutes": "0", "lunch_minutes": "30",
    }  # fmt: skip
    assert data["stop"], "the moment the page offered as the end, signed"
    page = client.get(url(time_log)).content.decode()
    assert "Note for the worker" in page
    assert 'name="note"' in page
    assert get(time_log).status == S.WORKING, "opening the page stops nothing"


def test_a_running_lunch_is_counted_until_now(client, shift, clock):
    time_log = on_shift(shift, lunch=False)
    timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11))
    clock.move_to(t(11, 20))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    assert (data["clock_out"], data["lunch_minutes"]) == ("2026-12-07T11:20", "20")
    client.post(url(time_log), data | {"note": "Sent home at lunch."})
    time_log = get(time_log)
    assert time_log.status == S.VERIFIED
    assert time_log.final_times == Times(t(7), t(11, 20), 0, 20)


def test_the_kiosk_offers_stop_with_changes_beside_stop_shift(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(12))
    client.force_login(shift.supervisor)
    page = client.get(reverse("portal:supervisor-kiosk")).content.decode()
    assert reverse("portal:supervisor-kiosk-stop", args=[time_log.pk]) in page
    assert f'href="{url(time_log)}"' in page
    assert "Stop with changes</a>" in page


def test_an_edit_with_a_note_goes_to_the_worker_with_the_supervisors_times(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    clock.move_to(t(15, 33))  # writing the note
    response = client.post(url(time_log), data | {"clock_out": "2026-12-07T15:00", "note": "Left at 3, gate log."})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:supervisor-kiosk")
    time_log = get(time_log)
    assert time_log.status == S.PENDING_WORKER_REVIEW
    assert time_log.clock_out_at == t(15, 30), "the clock stopped when the page offered it"
    assert time_log.supervisor_times == Times(t(7), t(15), 0, 30)
    assert time_log.supervisor_note == "Left at 3, gate log."
    assert time_log.last_editor == shift.supervisor
    assert time_log.auto_approval_time == t(15, 33) + 4 * H, "the 4-hour timer starts again"
    assert reviews_requested(time_log) == [(shift.worker, Channel.SMS)]
    page = client.get(response["Location"]).content.decode()
    assert f"Stopped with your times (7 h 30): {shift.worker.get_full_name()} will review the change." in page
    assert "No one is on shift." in page


def test_the_clocks_times_sent_back_unchanged_are_verified_at_once(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    clock.move_to(t(15, 34))
    response = client.post(url(time_log), data | {"note": "Checked, all good."}, follow=True)
    time_log = get(time_log)
    assert time_log.status == S.VERIFIED
    assert time_log.verified_how == VerifiedBy.KIOSK
    assert time_log.verified_by == shift.supervisor
    assert time_log.final_times == Times(t(7), t(15, 30), 0, 30)
    assert time_log.supervisor_times is None
    assert reviews_requested(time_log) == []
    assert "nothing for the worker to review: stopped and verified" in response.content.decode()
    assert "8 h 00" in response.content.decode()


def test_a_form_left_open_too_long_stops_the_shift_when_it_is_sent(client, shift, clock):
    """After 15 minutes the end the page offered is no longer the clock's: the shift stops when
    the form is sent, and the times shown, now an edit, go to the worker."""
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    clock.move_to(t(16))
    client.post(url(time_log), data | {"note": "Left at 3:30."})
    time_log = get(time_log)
    assert (time_log.status, time_log.clock_out_at) == (S.PENDING_WORKER_REVIEW, t(16))
    assert time_log.supervisor_times == Times(t(7), t(15, 30), 0, 30)


@pytest.mark.parametrize("forged", ["tampered", "another time log's"])
def test_a_forged_stop_moment_is_not_the_clocks(client, shift, clock, forged):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log) | {"clock_out": "2026-12-07T12:00", "note": "Left at noon."}
    if forged == "tampered":
        data["stop"] = data["stop"][:-4] + "AAAA"
    else:
        data["stop"] = KioskStopForm.stop_token(timelog_id=time_log.pk + 1, at=t(12))
    clock.move_to(t(15, 35))
    client.post(url(time_log), data)
    time_log = get(time_log)
    assert (time_log.status, time_log.clock_out_at) == (S.PENDING_WORKER_REVIEW, t(15, 35)), "stopped when sent"


def test_an_edit_without_a_note_is_refused_beside_the_note_and_changes_nothing(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    response = client.post(url(time_log), data | {"clock_out": "2026-12-07T15:00", "note": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_note_error"' in page
    assert "This field is required." in page
    assert '<option value="2026-12-07" selected>' in page, "what the supervisor typed stays in the form"
    assert 'value="15:00"' in page
    time_log = get(time_log)
    assert (time_log.status, time_log.clock_out_at, time_log.supervisor_times) == (S.WORKING, None, None)
    assert reviews_requested(time_log) == []


def test_times_the_service_refuses_are_shown_on_the_form_and_change_nothing(client, shift, clock):
    time_log = on_shift(shift, lunch=False)
    timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.BREAK, at=t(10))
    clock.move_to(t(10, 10))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    response = client.post(url(time_log), data | {"clock_out": "2026-12-07T06:00", "note": "Typo?"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_clock_out_error"' in page
    assert "The end must be after the start." in page
    time_log = get(time_log)
    assert (time_log.status, time_log.clock_out_at) == (S.BREAK, None)
    assert time_log.segments.get().ended_at is None, "the running break is still running"


def test_a_shift_stopped_meanwhile_is_a_clear_refusal_that_changes_nothing(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    timelogs.timelog_kiosk_stop(timelog_id=time_log.pk, by=shift.manager)  # another tablet, "Stop shift"
    clock.move_to(t(15, 32))
    response = client.post(url(time_log), data | {"clock_out": "2026-12-07T15:00", "note": "Left at 3."})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="not-open"' in page
    assert "Nothing was changed." in page
    assert "verified and final" in page
    assert "stopped meanwhile; it is now verified" in page
    assert "Stop the shift with these times" not in page
    time_log = get(time_log)
    assert (time_log.status, time_log.verified_by, time_log.supervisor_times) == (S.VERIFIED, shift.manager, None)
    assert time_log.final_times == Times(t(7), t(15, 30), 0, 30)


def test_opening_the_page_of_a_stopped_shift_goes_back_to_the_kiosk(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    timelogs.timelog_kiosk_stop(timelog_id=time_log.pk, by=shift.manager)
    client.force_login(shift.supervisor)
    response = client.get(url(time_log), follow=True)
    assert response.redirect_chain == [(reverse("portal:supervisor-kiosk"), 302)]
    assert "is already stopped (Verified)" in response.content.decode()


def test_a_draft_is_prefilled_with_its_clock_out_not_now(client, shift, clock):
    time_log = on_shift(shift)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15, 30))
    clock.move_to(t(16))
    client.force_login(shift.supervisor)
    data = opened(client, time_log)
    assert data["clock_out"] == "2026-12-07T15:30"
    client.post(url(time_log), data | {"note": "OK"})
    assert get(time_log).final_times == Times(t(7), t(15, 30), 0, 30)


def test_the_site_filter_is_kept_on_the_way_back(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    page = client.get(reverse("portal:supervisor-kiosk"), {"site": "Pier 91"}).content.decode()
    assert f'href="{url(time_log)}?site=Pier%2091"' in page
    assert 'name="site" value="Pier 91"' in client.get(url(time_log), {"site": "Pier 91"}).content.decode()
    data = opened(client, time_log) | {"site": "Pier 91", "note": "OK"}
    assert client.post(url(time_log), data)["Location"] == reverse("portal:supervisor-kiosk") + "?site=Pier+91"


def test_another_employers_supervisor_gets_a_404(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    data = opened(client, time_log) | {"clock_out": "2026-12-07T15:00", "note": "Left at 3."}
    client.force_login(shift.other_employer_supervisor)
    assert client.get(url(time_log)).status_code == 404
    assert client.post(url(time_log), data).status_code == 404
    assert get(time_log).status == S.WORKING


def test_members_and_visitors_are_refused_as_the_kiosk_refuses_them(client, shift, clock):
    time_log = on_shift(shift)
    clock.move_to(t(15, 30))
    data = {"clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T15:00", "break_minutes": "0",
            "lunch_minutes": "30", "note": "Left at 3."}  # fmt: skip
    anonymous = client.get(url(time_log))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("portal:login"))
    assert client.post(url(time_log), data).status_code == 302
    client.force_login(shift.worker)
    kiosk = client.get(reverse("portal:supervisor-kiosk"))
    assert kiosk.status_code == 403
    for response in (client.get(url(time_log)), client.post(url(time_log), data)):
        assert (response.status_code, response.templates[0].name) == (403, kiosk.templates[0].name)
    assert get(time_log).status == S.WORKING


def test_a_time_log_that_does_not_exist_is_a_404(client, shift, clock):
    client.force_login(shift.supervisor)
    assert client.get(reverse("portal:supervisor-kiosk-stop-edit", args=[987654])).status_code == 404


# --- In a phone browser ---


def local_minute(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def shown_moment(page, name: str) -> str:
    """A date-and-time field's day and time as the page shows them, as 2026-12-07T15:30."""
    day = page.locator(f"select[name={name}_0]").input_value()
    return f"{day}T{parse_wall_time(page.locator(f'input[name={name}_1]').input_value()).strftime('%H:%M')}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_supervisor_stops_a_shift_with_changes_at_the_kiosk(page, live_server, artifacts_dir):
    employer = EmployerFactory(name="Pier Crew Electric")
    supervisor = SiteUserFactory(employer=employer).user
    worker = WorkerFactory(first_name="Sam", last_name="Lee", user__first_name="Sam", user__last_name="Lee")
    dispatch = on_the_job(worker=worker, employer=employer, by=ReachableStaffFactory(), day=timezone.localdate())
    clock_in = timezone.now().replace(second=0, microsecond=0) - 8 * H
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker.user, at=clock_in)
    _sign_in(page, live_server, supervisor)

    page.goto("/portal/crew/kiosk/")
    shift = page.get_by_test_id("open-shifts").locator("li", has_text="Sam Lee")
    shift.get_by_role("link", name="Stop with changes: Sam Lee").click()
    page.wait_for_url(f"**{url(time_log)}")
    assert page.locator("h1").inner_text() == "Stop Sam Lee's shift with changes"
    assert shown_moment(page, "clock_in") == local_minute(clock_in)
    assert shown_moment(page, "clock_out") >= local_minute(clock_in + 8 * H), "ending now"
    new_end = clock_in + 7 * H
    fill_moment(page, "clock_out", new_end)
    page.fill("textarea[name=note]", "Sent home at 7 hours: the panel was not delivered.")
    page.locator("textarea[name=note]").blur()
    page.screenshot(path=str(artifacts_dir / "kiosk-stop-with-changes-360.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, "nothing wider than the phone"
    page.get_by_role("button", name="Stop the shift with these times").click()
    page.wait_for_url("**/portal/crew/kiosk/")
    confirmation = page.locator(".messages").inner_text()
    assert "Stopped with your times (7 h 00): Sam Lee will review the change." in confirmation
    assert page.get_by_text("No one is on shift.").is_visible()
    page.screenshot(path=str(artifacts_dir / "kiosk-stop-with-changes-done-360.png"), full_page=True)
    time_log.refresh_from_db()
    assert time_log.status == S.PENDING_WORKER_REVIEW
    assert time_log.supervisor_times == Times(clock_in, new_end, 0, 0)
    assert time_log.supervisor_note == "Sent home at 7 hours: the panel was not delivered."


def test_a_draft_the_worker_corrected_shows_the_badge_and_opens_with_the_workers_times(client, shift, clock):
    time_log = on_shift(shift)
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15))
    timelogs.timelog_draft_edit(
        timelog_id=time_log.pk, by=shift.worker, clock_in=t(6, 30), clock_out=t(15), lunch_minutes=30
    )
    clock.move_to(t(15, 20))
    client.force_login(shift.supervisor)
    kiosk = client.get(reverse("portal:supervisor-kiosk")).content.decode()
    assert 'data-testid="worker-edited"' in kiosk
    data = opened(client, time_log)
    assert (data["clock_in"], data["clock_out"]) == ("2026-12-07T06:30", "2026-12-07T15:00")
    client.post(url(time_log), data | {"note": "Fine."})
    assert get(time_log).final_times == Times(t(6, 30), t(15), 0, 30), "sent back as it was: the worker's version"
