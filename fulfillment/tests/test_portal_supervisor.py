"""The supervisor's portal pages: the verification card behind the SMS link, the list of time
logs waiting on my employer, the site kiosk — who sees what, and what each button does."""

import datetime

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.models import EmployerUser
from dispatch.tests.factories import EmployerUserFactory
from fulfillment.enums import FundsState, SegmentKind, TimeLogStatus, VerifiedBy
from fulfillment.models import ClockInAcknowledgement, Dispute, DisputeMessage, TimeLog, Times
from fulfillment.portal.supervisor_selectors import card_path
from fulfillment.services import timelogs
from fulfillment.services.notifications import LINK_MAX_AGE, card_link
from fulfillment.tests.factories import WorkerFactory, on_the_job
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

S = TimeLogStatus
MONDAY = datetime.date(2026, 12, 7)
H = datetime.timedelta(hours=1)


def t(hour, minute=0, day=MONDAY):
    return at(day, hour).replace(minute=minute)


def get(time_log):
    return TimeLog.objects.get(pk=time_log.pk)


def worked_day(shift, clock, *, edit_to=None):
    """Clock in 7:00, lunch 11:00–11:30, stop at 15:30 (the worker may edit the draft), submit."""
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    timelogs.timelog_segment_start(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11))
    timelogs.timelog_segment_end(timelog_id=time_log.pk, by=shift.worker, kind=SegmentKind.LUNCH, at=t(11, 30))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=shift.worker, at=t(15, 30))
    if edit_to is not None:
        timelogs.timelog_draft_edit(timelog_id=time_log.pk, by=shift.worker, **edit_to)
    clock.move_to(t(15, 35))
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=shift.worker)


def path_of(time_log):
    return card_path(time_log)


def edit_post(**overrides):
    data = {
        "action": "edit", "clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T15:00",
        "break_minutes": "0", "lunch_minutes": "30", "note": "Left at 3, the gate log says so.",
    }  # fmt: skip
    data.update(overrides)
    return data


# --- The card: the link, the login, who may open it ---


def test_the_sms_link_and_the_portal_link_name_the_same_card(shift, clock):
    time_log = worked_day(shift, clock)
    assert card_link(time_log).endswith(path_of(time_log))  # the clock stands still: same timestamp
    assert reverse("portal:timelog-card", args=["x"]) == "/portal/timelogs/x/"


def test_an_anonymous_visitor_is_sent_to_the_portal_login_and_back(client, shift, clock):
    time_log = worked_day(shift, clock)
    response = client.get(path_of(time_log))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert "next=/portal/timelogs/" in response["Location"]
    assert not ClockInAcknowledgement.objects.exists()


def test_the_supervisor_sees_the_worker_the_job_and_the_times(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.get(path_of(time_log))
    assert response.status_code == 200
    page = response.content.decode()
    member = shift.dispatch.member
    assert f"{member.first_name} {member.last_name}" in page
    assert "Pier 91" in page
    assert "7:00 AM" in page
    assert "3:30 PM" in page
    assert "30 min" in page
    assert "8 h 00" in page
    assert "Waiting for the supervisor" in page
    assert "Worker edited" not in page
    assert "Auto-approves" in page
    assert "data-countdown" in page
    assert "Mon 7:35 PM" in page


def test_a_manager_of_the_employer_may_open_it_too(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.manager)
    assert client.get(path_of(time_log)).status_code == 200


def test_another_employers_supervisor_gets_a_404(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.other_employer_supervisor)
    response = client.get(path_of(time_log))
    assert response.status_code == 404
    assert not ClockInAcknowledgement.objects.exists()
    response = client.post(path_of(time_log), {"action": "approve"})
    assert response.status_code == 404
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_the_worker_and_other_members_get_a_404(client, shift, clock):
    time_log = worked_day(shift, clock)
    for user in (shift.worker, UserFactory(kind=UserKind.MEMBER)):
        client.force_login(user)
        assert client.get(path_of(time_log)).status_code == 404
        assert client.post(path_of(time_log), {"action": "approve"}).status_code == 404
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_a_forged_link_is_a_clear_404_page(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    token = path_of(time_log).split("/")[-2]
    for bad in (f"{time_log.pk}:AAAA:BBBB", token[:-3] + "xyz", "nonsense", "9999:" + token.split(":", 1)[1]):
        response = client.get(f"/portal/timelogs/{bad}/")
        assert response.status_code == 404, bad
        assert "This link is not recognised" in response.content.decode()


def test_a_link_of_a_time_log_that_does_not_exist_is_a_404(client, shift, clock):
    client.force_login(shift.supervisor)
    token = signing.TimestampSigner(salt="fulfillment.timelog-card").sign("987654")
    assert client.get(f"/portal/timelogs/{token}/").status_code == 404


def test_an_expired_link_says_so_with_a_410(client, shift, clock):
    time_log = worked_day(shift, clock)
    path = path_of(time_log)
    client.force_login(shift.supervisor)
    clock.move_to(t(15, 35) + LINK_MAX_AGE + H)
    response = client.get(path)
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert f"Links in text messages work for {LINK_MAX_AGE.days} days." in response.content.decode()
    assert reverse("portal:supervisor-list") in response.content.decode()


# --- Opening the card acknowledges the clock-in ---


def test_opening_the_card_records_the_acknowledgement_once(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    client.force_login(shift.supervisor)
    assert client.get(path_of(time_log)).status_code == 200
    assert client.get(path_of(time_log)).status_code == 200
    acknowledgements = ClockInAcknowledgement.objects.filter(time_log=time_log)
    assert [(a.user, a.method) for a in acknowledgements] == [(shift.supervisor, "deep_link_clicked")]
    client.force_login(shift.manager)
    response = client.get(path_of(time_log))
    assert response.status_code == 200
    assert ClockInAcknowledgement.objects.filter(time_log=time_log).count() == 2, (
        "each supervisor's first look is recorded"
    )


def test_a_card_still_on_shift_shows_no_answer_buttons(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    client.force_login(shift.supervisor)
    page = client.get(path_of(time_log)).content.decode()
    assert "On shift since 7:00 AM" in page
    assert 'value="approve"' not in page
    assert 'value="dispute"' not in page


# --- The worker's edit, side by side ---


def test_a_worker_edit_shows_the_badge_and_the_changed_times(client, shift, clock):
    time_log = worked_day(shift, clock, edit_to={"clock_in": t(6, 30), "clock_out": t(15, 30), "lunch_minutes": 30})
    client.force_login(shift.supervisor)
    page = client.get(path_of(time_log)).content.decode()
    assert 'data-testid="worker-edited"' in page
    assert ">Clock<" in page
    assert ">Worker<" in page
    assert "<del>7:00 AM</del>" in page
    assert '<td class="changed"><ins>6:30 AM</ins>' in page
    assert "(changed from 7:00 AM)" in page
    assert "<del>8 h 00</del>" in page
    assert "<ins>8 h 30</ins>" in page


# --- Approve, edit with a note, dispute ---


def test_approve_verifies_the_workers_times(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == path_of(time_log)
    time_log = get(time_log)
    assert time_log.status == S.VERIFIED
    assert time_log.verified_how == VerifiedBy.SUPERVISOR
    assert time_log.verified_by == shift.supervisor
    assert time_log.funds_state == FundsState.RELEASED
    page = client.get(path_of(time_log)).content.decode()
    assert "Approved: 8 h 00 verified." in page
    assert 'value="approve"' not in page


def test_approve_without_the_csrf_token_is_refused(shift, clock):
    from django.test import Client

    time_log = worked_day(shift, clock)
    client = Client(enforce_csrf_checks=True)
    client.force_login(shift.supervisor)
    assert client.post(path_of(time_log), {"action": "approve"}).status_code == 403
    assert get(time_log).status == S.PENDING_VERIFICATION
    page = client.get(path_of(time_log)).content.decode()
    assert page.count('name="csrfmiddlewaretoken"') >= 3  # approve, edit, dispute


def test_an_edit_with_a_note_goes_to_the_worker(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), edit_post())
    assert response.status_code == 302
    time_log = get(time_log)
    assert time_log.status == S.PENDING_WORKER_REVIEW
    assert time_log.supervisor_times == Times(t(7), t(15), 0, 30)
    assert time_log.supervisor_note == "Left at 3, the gate log says so."
    page = client.get(path_of(time_log)).content.decode()
    assert "sent to" in page
    assert "to review" in page
    assert ">Supervisor<" in page
    assert "<ins>3:00 PM</ins>" in page
    assert "Waiting for the worker to answer your edit" in page
    assert 'value="edit"' not in page
    assert 'value="dispute"' in page


def test_an_edit_without_a_note_shows_the_error_beside_the_note(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), edit_post(note="  "))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_note_error"' in page
    assert "This field is required." in page
    assert '<details id="edit" open>' in page
    assert '<option value="2026-12-07" selected>' in page, "what the supervisor typed stays in the form"
    assert 'value="15:00"' in page
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_an_end_before_the_start_is_the_services_error_beside_the_end(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), edit_post(clock_out="2026-12-07T06:00"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_clock_out_error"' in page
    assert "Too early." in page
    assert "The end must be after the start." in page
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_unreadable_times_are_field_errors_not_a_500(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), edit_post(clock_in="yesterday", break_minutes="-5"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_clock_in_error"' in page
    assert 'id="id_break_minutes_error"' in page


def test_an_unknown_action_changes_nothing(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    assert client.post(path_of(time_log), {"action": "delete"}).status_code == 302
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_a_change_under_a_minute_approves_instead(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    client.post(path_of(time_log), edit_post(clock_out="2026-12-07T15:30"))
    assert get(time_log).status == S.VERIFIED
    assert "a minute or less" in client.get(path_of(time_log)).content.decode()


def test_a_dispute_freezes_the_hours_and_opens_a_thread(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), {"action": "dispute", "reason": "Not on site after lunch."})
    assert response.status_code == 302
    time_log = get(time_log)
    assert time_log.status == S.DISPUTED
    assert time_log.funds_state == FundsState.FROZEN
    assert Dispute.objects.get(time_log=time_log).reason == "Not on site after lunch."
    page = client.get(path_of(time_log)).content.decode()
    assert "Dispute filed" in page
    assert "Not on site after lunch." in page
    client.post(path_of(time_log), {"action": "message", "body": "Gate log attached at the hall."})
    assert DisputeMessage.objects.get().author == shift.supervisor
    assert "Gate log attached at the hall." in client.get(path_of(time_log)).content.decode()


def test_a_dispute_needs_a_reason(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), {"action": "dispute", "reason": ""})
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    assert get(time_log).status == S.PENDING_VERIFICATION


def test_after_the_worker_rejects_the_supervisor_sees_the_comment_and_disputes(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(shift.supervisor)
    client.post(path_of(time_log), edit_post())
    timelogs.timelog_reject_edit(timelog_id=time_log.pk, by=shift.worker, comment="I stayed to lock up.")
    page = client.get(path_of(time_log)).content.decode()
    assert "Waiting for the supervisor (worker rejected)" in page
    assert "I stayed to lock up." in page
    assert 'value="approve"' in page
    assert 'value="edit"' in page
    assert 'value="dispute"' in page
    client.post(path_of(time_log), {"action": "dispute", "reason": "The site closed at 3."})
    assert get(time_log).status == S.DISPUTED


def test_a_stale_card_reports_the_services_refusal(client, shift, clock):
    """Two supervisors with the card open: the second approval is told why nothing happened."""
    time_log = worked_day(shift, clock)
    timelogs.timelog_verify(timelog_id=time_log.pk, by=shift.manager)
    client.force_login(shift.supervisor)
    response = client.post(path_of(time_log), {"action": "approve"}, follow=True)
    assert "verified and final" in response.content.decode()


def test_a_lending_admin_of_the_union_may_open_and_approve(client, shift, clock):
    time_log = worked_day(shift, clock)
    client.force_login(StaffFactory(groups=["dispatcher"]))
    assert client.get(path_of(time_log)).status_code == 200
    client.post(path_of(time_log), {"action": "approve"})
    assert get(time_log).status == S.VERIFIED


# --- The list of time logs waiting on my employer ---


def _second_worker_day(shift, dispatcher, clock, *, employer=None, start=8):
    """Another member of the crew (or of `employer`'s), a submitted day ending later."""
    clock.move_to(t(6))
    dispatch = on_the_job(
        worker=WorkerFactory(), employer=employer or shift.dispatch.employer, by=dispatcher, day=MONDAY
    )
    worker = dispatch.member.user
    time_log = timelogs.timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=t(start))
    timelogs.timelog_stop_work(timelog_id=time_log.pk, by=worker, at=t(16))
    clock.move_to(t(16, 5))
    return timelogs.timelog_submit(timelog_id=time_log.pk, by=worker)


def test_the_list_orders_my_employers_time_logs_by_deadline(client, shift, clock, dispatcher):
    first = worked_day(shift, clock)  # deadline 19:35
    later = _second_worker_day(shift, dispatcher, clock)  # deadline 20:05
    outsider_employer = EmployerUser.objects.get(user=shift.other_employer_supervisor).employer
    _second_worker_day(shift, dispatcher, clock, employer=outsider_employer)
    client.force_login(shift.supervisor)
    response = client.get(reverse("portal:supervisor-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(path_of(first)) < page.index(path_of(later))
    assert page.count('class="open"') == 2, "another employer's time log is not listed"
    assert "Mon 7:35 PM" in page
    assert "Mon 8:05 PM" in page
    assert "countdown.js" in page


def test_the_list_shows_time_logs_waiting_on_the_worker_apart(client, shift, clock):
    time_log = worked_day(shift, clock)
    timelogs.timelog_edit(timelog_id=time_log.pk, by=shift.supervisor, clock_in=t(7), clock_out=t(15),
                          lunch_minutes=30, note="3 pm")  # fmt: skip
    client.force_login(shift.supervisor)
    page = client.get(reverse("portal:supervisor-list")).content.decode()
    assert "Nothing is waiting on you." in page
    assert 'data-testid="on-worker"' in page
    assert path_of(time_log) in page


def test_the_list_costs_the_same_queries_for_one_or_many_time_logs(client, shift, clock, dispatcher):
    worked_day(shift, clock)
    client.force_login(shift.supervisor)
    url = reverse("portal:supervisor-list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for start in (8, 9, 10):
        _second_worker_day(shift, dispatcher, clock, start=start)
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert response.content.decode().count('class="open"') == 4
    assert len(four) == len(one), f"{len(one)} queries for 1 row, {len(four)} for 4"
    # the time logs, the offline clock-outs to settle, the crew to check in today, the shifts on the
    # clock, the auto-approvals of the last day
    assert len(one) <= 9


def test_the_list_and_kiosk_are_for_employer_users(client, shift, clock):
    for name in ("portal:supervisor-list", "portal:supervisor-kiosk"):
        url = reverse(name)
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("portal:login"))
        client.force_login(shift.worker)
        assert client.get(url).status_code == 403
        client.force_login(StaffFactory())
        assert client.get(url).status_code == 403
        client.logout()


# --- The site kiosk ---


def test_the_kiosk_lists_my_crews_open_shifts_only(client, shift, clock, dispatcher):
    on_shift = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    _second_worker_day(shift, dispatcher, clock)  # submitted: not open
    outsider_employer = EmployerUser.objects.get(user=shift.other_employer_supervisor).employer
    clock.move_to(t(6))
    other = on_the_job(worker=WorkerFactory(), employer=outsider_employer, by=dispatcher, day=MONDAY)
    timelogs.timelog_clock_in(dispatch_id=other.pk, by=other.member.user, at=t(7))
    clock.move_to(t(12))
    client.force_login(shift.supervisor)
    page = client.get(reverse("portal:supervisor-kiosk")).content.decode()
    assert page.count("Stop shift</button>") == 1
    assert reverse("portal:supervisor-kiosk-stop", args=[on_shift.pk]) in page
    assert "In at <time" in page
    assert "7:00 AM" in page


def test_stop_shift_with_no_edit_verifies_at_once(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(15, 30))
    client.force_login(shift.supervisor)
    response = client.post(reverse("portal:supervisor-kiosk-stop", args=[time_log.pk]), follow=True)
    time_log = get(time_log)
    assert time_log.status == S.VERIFIED
    assert time_log.verified_how == VerifiedBy.KIOSK
    assert time_log.final_times == Times(t(7), t(15, 30), 0, 0)
    assert "Stopped and verified" in response.content.decode()
    assert "8 h 30" in response.content.decode()
    assert "No one is on shift." in response.content.decode()


def test_stop_shift_of_another_employers_worker_is_a_404(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    client.force_login(shift.other_employer_supervisor)
    assert client.post(reverse("portal:supervisor-kiosk-stop", args=[time_log.pk])).status_code == 404
    assert get(time_log).status == S.WORKING


def test_stop_shift_is_post_only(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    client.force_login(shift.supervisor)
    assert client.get(reverse("portal:supervisor-kiosk-stop", args=[time_log.pk])).status_code == 405
    assert get(time_log).status == S.WORKING


def test_stopping_a_shift_twice_explains_the_second_time(client, shift, clock):
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    clock.move_to(t(15))
    client.force_login(shift.supervisor)
    url = reverse("portal:supervisor-kiosk-stop", args=[time_log.pk])
    client.post(url)
    response = client.post(url, follow=True)
    assert "verified and final" in response.content.decode()


def test_a_supervisor_of_a_second_employer_site_only_sees_their_own(client, shift, clock):
    """Any role of the employer counts; a user of another employer never does."""
    other_supervisor = EmployerUserFactory(role="admin").user
    time_log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker, at=t(7))
    client.force_login(other_supervisor)
    assert "No one is on shift." in client.get(reverse("portal:supervisor-kiosk")).content.decode()
    assert client.get(path_of(time_log)).status_code == 404
