"""The site ends a shift for the worker (issue 19, item 3): it sends a clocked-in worker off
within the clock-in ladder's 25 minutes (the shift ends, the dispatch is flagged for the hall, the
worker and the lending admin are told), or clocks out a worker who forgot to stop; each with who
and why on the time log and in its history. From the crew list, the kiosk, the card and the API;
another employer's supervisor gets a 404, the worker a 403."""

import datetime

import pytest
from django.urls import reverse

from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import Ejection, TimeLog
from fulfillment.portal.supervisor_selectors import card_path
from fulfillment.services import timelogs
from fulfillment.tests.conftest import MONDAY
from fulfillment.tests.factories import ReachableStaffFactory
from unioncore.errors import RuleViolation
from unioncore.notifications.models import Notification
from unioncore.testing import at

pytestmark = pytest.mark.django_db

M = datetime.timedelta(minutes=1)


def t(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


@pytest.fixture
def on_shift(shift, clock):
    """Clocked in at 7:00 on MONDAY (the clock stands there)."""
    return timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)


@pytest.fixture
def lending_admin(shift):
    staff = ReachableStaffFactory(groups=["dispatcher"])
    shift.dispatch.lending_admin = staff
    shift.dispatch.save()
    return staff


def test_an_ejection_ends_the_shift_flags_the_dispatch_and_tells_the_worker_and_the_hall(
    shift, on_shift, clock, lending_admin
):
    clock.move_to(t(7, 12))
    log = timelogs.timelog_eject(timelog_id=on_shift.pk, by=shift.supervisor, reason="  Not on my crew list  ")
    assert (log.status, log.clock_out_at, log.ended_by, log.end_reason) == (
        S.PENDING_VERIFICATION, t(7, 12), shift.supervisor, "Not on my crew list",
    )  # fmt: skip
    assert log.worker_times.billable_minutes == 12
    ejection = Ejection.objects.get()
    assert (ejection.dispatch, ejection.ejected_by, ejection.seen_at) == (shift.dispatch, shift.supervisor, None)
    latest = log.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        shift.supervisor, "Ejected from the site: Not on my crew list",
    )  # fmt: skip
    sent = {(n.recipient, n.kind) for n in Notification.objects.filter(kind__startswith="ejected")}
    assert sent == {(shift.worker, "ejected"), (lending_admin, "ejected_hall")}
    to_hall = Notification.objects.get(kind="ejected_hall").body
    assert "12 min after clocking in" in to_hall
    assert "Not on my crew list" in to_hall


def test_after_25_minutes_the_attendance_stands_and_ejecting_is_refused(shift, on_shift, clock):
    clock.move_to(t(7, 25))
    timelogs.timelog_eject(timelog_id=on_shift.pk, by=shift.supervisor, reason="At the limit")  # still inside
    second = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7, 30))
    clock.move_to(t(7, 55) + M)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_eject(timelog_id=second.pk, by=shift.supervisor, reason="Too late")
    assert refused.value.code == "eject_window_closed"
    assert TimeLog.objects.get(pk=second.pk).status == S.WORKING


def test_eject_and_force_clock_out_need_a_reason(shift, on_shift, clock):
    for service, extra in ((timelogs.timelog_eject, {}), (timelogs.timelog_force_clock_out, {"at": t(7, 5)})):
        with pytest.raises(RuleViolation) as refused:
            service(timelog_id=on_shift.pk, by=shift.supervisor, reason=" ", **extra)
        assert refused.value.code == "reason_required"
    assert TimeLog.objects.get().status == S.WORKING


# --- The API ---


def test_the_supervisor_ejects_from_the_api_and_nobody_else_may(shift, on_shift, clock, api_as):
    clock.move_to(t(7, 10))
    url = f"/api/v1/timelogs/{on_shift.pk}/eject/"
    body = {"reason": "Came without his boots"}
    assert api_as(shift.other_employer_supervisor).post(url, body, format="json").status_code == 404
    worker = api_as(shift.worker).post(url, body, format="json")
    assert worker.status_code == 403, worker.content
    assert api_as(shift.supervisor).post(url, {}, format="json").status_code == 400
    assert TimeLog.objects.get().status == S.WORKING
    response = api_as(shift.manager).post(url, body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["ended_by"], response.json()["end_reason"]) == (
        S.PENDING_VERIFICATION, shift.manager.pk, "Came without his boots",
    )  # fmt: skip


def test_ejecting_after_25_minutes_is_a_409_from_the_api(shift, on_shift, clock, api_as):
    clock.move_to(t(7, 26))
    response = api_as(shift.supervisor).post(f"/api/v1/timelogs/{on_shift.pk}/eject/", {"reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "eject_window_closed"


def test_the_supervisor_forces_a_clock_out_from_the_api(shift, on_shift, clock, api_as):
    clock.move_to(t(18))
    url = f"/api/v1/timelogs/{on_shift.pk}/force-clock-out/"
    supervisor = api_as(shift.supervisor)
    future = supervisor.post(url, {"clock_out": t(19).isoformat(), "reason": "Left"}, format="json")
    assert (future.status_code, future.json()["error"]["code"]) == (400, "in_the_future")
    early = supervisor.post(url, {"clock_out": t(6).isoformat(), "reason": "Left"}, format="json")
    assert (early.status_code, early.json()["error"]["code"]) == (400, "end_before_start")
    body = {"clock_out": t(15, 30).isoformat(), "reason": "Forgot to clock out; left at 3:30"}
    assert api_as(shift.other_employer_supervisor).post(url, body, format="json").status_code == 404
    assert api_as(shift.worker).post(url, body, format="json").status_code == 403
    response = supervisor.post(url, body, format="json")
    assert response.status_code == 200, response.content
    log = TimeLog.objects.get()
    assert (log.status, log.clock_out_at, log.ended_by, log.end_reason) == (
        S.PENDING_VERIFICATION, t(15, 30), shift.supervisor, "Forgot to clock out; left at 3:30",
    )  # fmt: skip
    assert log.auto_approval_time == t(18) + datetime.timedelta(hours=4)
    assert log.history.first().history_change_reason == "Force clock-out: Forgot to clock out; left at 3:30"


# --- The portal ---


def test_the_crew_list_sends_a_worker_off_within_25_minutes(client, shift, on_shift, clock):
    client.force_login(shift.supervisor)
    clock.move_to(t(7, 5))
    page = client.get(reverse("portal:supervisor-list")).content.decode()
    eject_url = reverse("portal:supervisor-shift-eject", args=[on_shift.pk])
    assert eject_url in page
    form = client.get(eject_url + "?next=/portal/crew/")
    assert form.status_code == 200
    assert "Send" in form.content.decode()
    refused = client.post(eject_url, {"reason": "", "next": "/portal/crew/"})
    assert refused.status_code == 400
    assert TimeLog.objects.get().status == S.WORKING
    response = client.post(eject_url, {"reason": "Not on my crew", "next": "/portal/crew/"}, follow=True)
    assert response.redirect_chain[-1][0] == "/portal/crew/"
    assert "was sent off the site" in response.content.decode()
    assert TimeLog.objects.get().ended_by == shift.supervisor
    assert Ejection.objects.count() == 1


def test_after_25_minutes_the_crew_list_offers_no_ejection_and_a_late_post_says_why(client, shift, on_shift, clock):
    client.force_login(shift.supervisor)
    clock.move_to(t(7, 30))
    page = client.get(reverse("portal:supervisor-list")).content.decode()
    assert reverse("portal:supervisor-shift-eject", args=[on_shift.pk]) not in page
    assert reverse("portal:supervisor-shift-clock-out", args=[on_shift.pk]) in page
    response = client.post(reverse("portal:supervisor-shift-eject", args=[on_shift.pk]), {"reason": "Late"})
    assert response.status_code == 400
    assert "attendance stands" in response.content.decode()
    assert not Ejection.objects.exists()


def test_the_kiosk_clocks_out_a_forgotten_shift_and_goes_back_to_the_kiosk(client, shift, on_shift, clock):
    client.force_login(shift.supervisor)
    clock.move_to(t(19))
    kiosk = reverse("portal:supervisor-kiosk")
    url = reverse("portal:supervisor-shift-clock-out", args=[on_shift.pk])
    assert url in client.get(kiosk).content.decode()
    response = client.post(url, {"clock_out": "2026-12-07T15:30", "reason": "Left at 3:30", "next": kiosk})
    assert response["Location"] == kiosk
    log = TimeLog.objects.get()
    assert (log.status, log.clock_out_at, log.end_reason) == (S.PENDING_VERIFICATION, t(15, 30), "Left at 3:30")
    card = client.get(card_path(log)).content.decode()
    assert "Left at 3:30" in card


def test_another_employer_s_supervisor_gets_a_404_and_a_foreign_next_is_ignored(client, shift, on_shift, clock):
    client.force_login(shift.other_employer_supervisor)
    url = reverse("portal:supervisor-shift-eject", args=[on_shift.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(shift.supervisor)
    response = client.post(url, {"reason": "Wrong person", "next": "https://evil.example/"})
    assert response["Location"] == reverse("portal:supervisor-list")


def test_the_card_of_a_running_shift_offers_both_actions(client, shift, on_shift, clock):
    client.force_login(shift.supervisor)
    page = client.get(card_path(on_shift)).content.decode()
    assert reverse("portal:supervisor-shift-eject", args=[on_shift.pk]) in page
    assert reverse("portal:supervisor-shift-clock-out", args=[on_shift.pk]) in page


# --- The console ---


def test_the_hall_takes_up_an_ejection_in_the_console(client, shift, on_shift, clock):
    timelogs.timelog_eject(timelog_id=on_shift.pk, by=shift.supervisor, reason="Not on my crew")
    dispatcher = ReachableStaffFactory(groups=["dispatcher"])
    client.force_login(dispatcher)
    url = reverse("admin:fulfillment_ejection_changelist")
    listing = client.get(url + "?seen_at__isempty=1")
    assert listing.status_code == 200
    assert "Not on my crew" in listing.content.decode()
    ejection = Ejection.objects.get()
    client.post(
        url, {"action": "mark_seen", "_selected_action": [ejection.pk], "_apply_action": "1", "note": "Called him"}
    )
    ejection.refresh_from_db()
    assert (ejection.seen_by, ejection.seen_note) == (dispatcher, "Called him")
    assert ejection.history.first().history_user == dispatcher


def test_the_worker_reads_why_the_shift_was_ended_on_their_page(client, shift, on_shift, clock):
    clock.move_to(t(7, 10))
    timelogs.timelog_eject(timelog_id=on_shift.pk, by=shift.supervisor, reason="Not on my crew")
    client.force_login(shift.worker)
    page = client.get(reverse("portal:member-timelog", args=[on_shift.pk])).content.decode()
    assert "Sent off the site at 7:10 AM: “Not on my crew”" in page


def test_the_crew_list_says_the_eject_window_in_force_not_a_number_written_in(
    client, shift, on_shift, clock, monkeypatch
):
    monkeypatch.setattr("fulfillment.rules.EJECT_WINDOW", datetime.timedelta(minutes=20))
    client.force_login(shift.supervisor)
    clock.move_to(t(7, 5))
    page = client.get(reverse("portal:supervisor-list")).content.decode()
    assert "Send a worker off within 20 minutes of the clock-in" in page
    form = client.get(reverse("portal:supervisor-shift-eject", args=[on_shift.pk])).content.decode()
    assert "(20 minutes after the clock-in)" in form
