"""A member's time logs in the portal: clock in, break, stop, draft, submit, manual entry, the
answer to a supervisor's edit, the dispute thread; never another worker's time log."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import DisputeMessage, TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.conftest import MONDAY
from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

M = datetime.timedelta(minutes=1)


def local(hour, minute=0):
    return at(MONDAY, hour).replace(minute=minute)


def form_time(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def worker_client(client, shift):
    client.force_login(shift.worker)
    return client


@pytest.fixture
def submitted(shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(local(15, 30))
    timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
    return timelogs.timelog_submit(timelog_id=log.pk, by=shift.worker)


@pytest.fixture
def edited(submitted, shift, clock):
    clock.move_to(local(16))
    return timelogs.timelog_edit(
        timelog_id=submitted.pk, by=shift.supervisor, clock_in=local(7), clock_out=local(15),
        break_minutes=30, note="Left at three",
    )  # fmt: skip


def test_a_member_clocks_in_takes_a_break_stops_edits_and_submits(worker_client, shift, clock):
    page = worker_client.get(reverse("portal:member-timelogs")).content.decode()
    assert f"Clock in at {shift.dispatch.employer.name}" in page
    response = worker_client.post(reverse("portal:member-clock-in"), {"dispatch": shift.dispatch.pk}, follow=True)
    log = TimeLog.objects.get(worker=shift.worker)
    assert "You are clocked in." in response.content.decode()
    assert log.status == S.WORKING
    clock.move_to(local(10))
    worker_client.post(reverse("portal:member-timelog-segment", args=[log.pk, "start"]), {"kind": "break"})
    assert TimeLog.objects.get(pk=log.pk).status == S.BREAK
    clock.move_to(local(10, 15))
    worker_client.post(reverse("portal:member-timelog-segment", args=[log.pk, "end"]), {"kind": "break"})
    clock.move_to(local(15, 30))
    response = worker_client.post(reverse("portal:member-timelog-stop", args=[log.pk]), follow=True)
    page = response.content.decode()
    assert "Check your times" in page
    assert '<option value="2026-12-07" selected>' in page, "the draft shows the recorded start, in the hall's time"
    assert 'value="7:00 AM"' in page
    assert 'name="break_minutes" value="15"' in page
    response = worker_client.post(
        reverse("portal:member-timelog-draft", args=[log.pk]),
        {"clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T15:00", "break_minutes": "30", "lunch_minutes": "0"},
    )
    assert response.status_code == 302
    log.refresh_from_db()
    assert (log.worker_times.clock_out, log.worker_times.break_minutes, log.worker_edited) == (local(15), 30, True)
    worker_client.post(reverse("portal:member-timelog-submit", args=[log.pk]))
    assert TimeLog.objects.get(pk=log.pk).status == S.PENDING_VERIFICATION


def test_a_draft_whose_end_is_before_its_start_shows_the_error_beside_the_end(worker_client, shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(local(15))
    timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
    response = worker_client.post(
        reverse("portal:member-timelog-draft", args=[log.pk]),
        {"clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T06:00", "break_minutes": "0", "lunch_minutes": "0"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_clock_out_error"' in page
    assert "Too early." in page
    assert TimeLog.objects.get(pk=log.pk).worker_times.clock_out == local(15)


def test_breaks_longer_than_the_shift_are_shown_beside_the_breaks(worker_client, shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(local(8))
    timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
    page = worker_client.post(
        reverse("portal:member-timelog-draft", args=[log.pk]),
        {"clock_in": "2026-12-07T07:00", "clock_out": "2026-12-07T08:00", "break_minutes": "90", "lunch_minutes": "0"},
    ).content.decode()
    assert 'id="id_break_minutes_error"' in page
    assert "longer than the shift" in page


def test_the_member_reviews_the_supervisors_edit_side_by_side_and_accepts(worker_client, edited):
    page = worker_client.get(reverse("portal:member-timelog", args=[edited.pk])).content.decode()
    assert "Your supervisor changed your hours" in page
    assert "Left at three" in page
    assert "8 h 30 min" in page, "my paid hours"
    assert "7 h 30 min" in page, "the supervisor's"
    assert page.count('class="changed"') == 3, "end, break and paid hours differ"
    worker_client.post(reverse("portal:member-timelog-accept", args=[edited.pk]))
    log = TimeLog.objects.get(pk=edited.pk)
    assert log.status == S.VERIFIED
    assert log.final_times.clock_out == local(15)


def test_rejecting_needs_a_comment_shown_in_place(worker_client, edited):
    page = worker_client.post(reverse("portal:member-timelog-reject", args=[edited.pk]), {"comment": " "}).content
    assert 'id="id_comment_error"' in page.decode()
    assert TimeLog.objects.get(pk=edited.pk).status == S.PENDING_WORKER_REVIEW
    worker_client.post(reverse("portal:member-timelog-reject", args=[edited.pk]), {"comment": "I stayed till 3:30"})
    log = TimeLog.objects.get(pk=edited.pk)
    assert log.status == S.PENDING_SUPERVISOR_REEVALUATION
    assert log.worker_comment == "I stayed till 3:30"


def test_the_member_reads_and_posts_in_the_dispute_thread(worker_client, submitted, shift):
    timelogs.timelog_dispute(timelog_id=submitted.pk, by=shift.supervisor, reason="Not on site after noon")
    timelogs.dispute_message_add(timelog_id=submitted.pk, by=shift.supervisor, body="Gate log shows 12:05")
    page = worker_client.get(reverse("portal:member-timelog", args=[submitted.pk])).content.decode()
    assert "Not on site after noon" in page
    assert "Gate log shows 12:05" in page
    response = worker_client.post(
        reverse("portal:member-timelog-message", args=[submitted.pk]), {"body": "I signed out at 3:30"}, follow=True
    )
    assert "I signed out at 3:30" in response.content.decode()
    assert DisputeMessage.objects.filter(author=shift.worker).count() == 1
    empty = worker_client.post(reverse("portal:member-timelog-message", args=[submitted.pk]), {"body": ""})
    assert 'id="id_body_error"' in empty.content.decode()


def test_a_manual_entry_goes_to_the_supervisor(worker_client, shift, clock):
    clock.move_to(local(18))
    page = worker_client.get(reverse("portal:member-retroactive")).content.decode()
    assert shift.dispatch.employer.name in page
    response = worker_client.post(
        reverse("portal:member-retroactive"),
        {"dispatch": shift.dispatch.pk, "clock_in": form_time(local(7)), "clock_out": form_time(local(15)),
         "break_minutes": "0", "lunch_minutes": "30", "note": "No signal"},
    )  # fmt: skip
    log = TimeLog.objects.get(worker=shift.worker)
    assert response["Location"] == reverse("portal:member-timelog", args=[log.pk])
    assert (log.status, log.is_retroactive, log.note) == (S.PENDING_SUPERVISOR_VERIFICATION, True, "No signal")


def test_a_manual_entry_in_the_future_is_refused_beside_the_end(worker_client, shift, clock):
    page = worker_client.post(
        reverse("portal:member-retroactive"),
        {"dispatch": shift.dispatch.pk, "clock_in": form_time(local(7)), "clock_out": form_time(local(15)),
         "break_minutes": "0", "lunch_minutes": "0"},
    ).content.decode()  # fmt: skip
    assert 'id="id_clock_out_error"' in page
    assert not TimeLog.objects.exists()


def test_a_manual_entry_on_someone_elses_dispatch_is_not_offered(client, shift, clock):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    client.force_login(stranger)
    page = client.post(
        reverse("portal:member-retroactive"),
        {"dispatch": shift.dispatch.pk, "clock_in": form_time(local(5)), "clock_out": form_time(local(6))},
    ).content.decode()
    assert "You have no dispatch to enter hours on." in page
    assert not TimeLog.objects.exists()


@pytest.fixture
def verified(submitted, shift, clock):
    clock.move_to(local(16))
    return timelogs.timelog_verify(timelog_id=submitted.pk, by=shift.supervisor)


def correction(hour_out=16, note="I stayed until four to finish the panel"):
    return {"clock_in": form_time(local(7)), "clock_out": form_time(local(hour_out)), "break_minutes": "0",
            "lunch_minutes": "30", "note": note}  # fmt: skip


def test_a_member_sends_a_correction_of_verified_hours(worker_client, verified, shift, clock):
    page = worker_client.get(reverse("portal:member-timelog", args=[verified.pk])).content.decode()
    assert "These hours are wrong?" in page
    start = verified.final_times.clock_in.astimezone(local(7).tzinfo)
    assert f'<option value="{start.date().isoformat()}" selected>' in page, "prefilled: the day"
    assert 'value="' + start.strftime("%I:%M %p").lstrip("0") + '"' in page, "and the time"

    response = worker_client.post(reverse("portal:member-timelog-correction", args=[verified.pk]), correction())
    fixed = TimeLog.objects.get(correction_of=verified)
    assert response["Location"] == reverse("portal:member-timelog", args=[fixed.pk])
    assert (fixed.status, fixed.worker_times.clock_out, fixed.note) == (
        S.PENDING_SUPERVISOR_VERIFICATION, local(16), "I stayed until four to finish the panel"
    )  # fmt: skip
    assert TimeLog.objects.get(pk=verified.pk).status == S.VERIFIED, "the verified shift itself never changes"
    corrected_page = worker_client.get(response["Location"]).content.decode()
    assert "This corrects the" in corrected_page
    original_page = worker_client.get(reverse("portal:member-timelog", args=[verified.pk])).content.decode()
    assert 'id="corrections"' in original_page
    assert "These hours are wrong?" not in original_page, "one correction waits at a time"


def test_a_correction_needs_what_was_wrong_shown_beside_it(worker_client, verified):
    page = worker_client.post(
        reverse("portal:member-timelog-correction", args=[verified.pk]), correction(note="")
    ).content.decode()
    assert 'id="id_note_error"' in page
    assert not TimeLog.objects.filter(correction_of=verified).exists()


def test_hours_not_yet_verified_are_edited_not_corrected(worker_client, submitted):
    page = worker_client.post(
        reverse("portal:member-timelog-correction", args=[submitted.pk]), correction()
    ).content.decode()
    assert "Only a verified time log is corrected this way" in page
    assert TimeLog.objects.count() == 1


def test_another_workers_time_log_is_a_404(client, submitted):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("portal:member-timelog", args=[submitted.pk])).status_code == 404
    for name in ("member-timelog-submit", "member-timelog-accept", "member-timelog-stop", "member-timelog-correction"):
        assert client.post(reverse(f"portal:{name}", args=[submitted.pk])).status_code == 404
    assert client.post(reverse("portal:member-clock-in"), {"dispatch": submitted.dispatch_id}).status_code == 404
    assert client.post(reverse("portal:member-clock-in"), {"dispatch": "x"}).status_code == 404


def test_a_supervisor_cannot_use_the_member_pages(client, submitted, shift):
    client.force_login(shift.supervisor)
    assert client.get(reverse("portal:member-timelogs")).status_code == 403
    assert client.post(reverse("portal:member-timelog-accept", args=[submitted.pk])).status_code == 403


def test_anonymous_visitors_go_to_the_login(client, submitted):
    response = client.get(reverse("portal:member-timelog", args=[submitted.pk]))
    assert response["Location"].startswith(reverse("portal:login"))


def test_submit_needs_its_csrf_token(shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(local(15))
    timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
    client = Client(enforce_csrf_checks=True)
    client.force_login(shift.worker)
    assert client.post(reverse("portal:member-timelog-submit", args=[log.pk])).status_code == 403
    assert TimeLog.objects.get(pk=log.pk).status == S.DRAFT
