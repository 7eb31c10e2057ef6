"""Manual entries stay inside the dispatch's dates (issue 19, item 4): not before its start, not
after its end, not in the future, not longer than the hall's limit unless an officer enters it;
the same entry sent twice (a double tap, a phone's retry) answers the first one, in the portal
and the API, and writes nothing more."""

import datetime

import pytest
from django.urls import reverse

from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.conftest import MONDAY
from unioncore.errors import RuleViolation
from unioncore.notifications.models import Notification
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

TUESDAY = MONDAY + datetime.timedelta(days=1)
SUNDAY = MONDAY - datetime.timedelta(days=1)
UTC = datetime.UTC


def entry(shift, start, end, **extra) -> dict:
    return {"dispatch": shift.dispatch.pk, "start": start.isoformat(), "end": end.isoformat(), **extra}


def form(shift, start, end, **extra) -> dict:
    return {
        "dispatch": shift.dispatch.pk, "clock_in": start.strftime("%Y-%m-%dT%H:%M"),
        "clock_out": end.strftime("%Y-%m-%dT%H:%M"), "break_minutes": "0", "lunch_minutes": "30", **extra,
    }  # fmt: skip


OUT_OF_BOUNDS = {
    # The API's own field check refuses these first ("more than ten years from now"); the portal's
    # form takes them and the service refuses them (test below).
    "year 1": (datetime.datetime(1, 1, 1, 7, tzinfo=UTC), datetime.datetime(1, 1, 1, 15, tzinfo=UTC),
               "invalid", "start"),
    "1900": (datetime.datetime(1900, 1, 1, 15, tzinfo=UTC), datetime.datetime(1900, 1, 1, 23, tzinfo=UTC),
             "invalid", "start"),
    "the day before the dispatch": (at(SUNDAY, 7), at(SUNDAY, 15), "before_dispatch_start", "start"),
    "ending in the future": (at(TUESDAY, 7), at(TUESDAY, 15), "in_the_future", "end"),
    "longer than 16 hours": (at(MONDAY, 0), at(MONDAY, 17), "longer_than_allowed", "end"),
}  # fmt: skip


@pytest.mark.parametrize("case", OUT_OF_BOUNDS)
def test_a_manual_entry_outside_the_dispatch_is_a_400_naming_the_field(shift, api_as, clock, case):
    start, end, code, field = OUT_OF_BOUNDS[case]
    clock.move_to(at(TUESDAY, 6))
    response = api_as(shift.worker).post("/api/v1/timelogs/retroactive/", entry(shift, start, end), format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert not TimeLog.objects.exists()
    assert not Notification.objects.exists()


def test_the_sweep_pays_nothing_for_a_refused_entry_of_1900(shift, api_as, clock, system_user):
    clock.move_to(at(TUESDAY, 6))
    start, end = OUT_OF_BOUNDS["1900"][:2]
    api_as(shift.worker).post("/api/v1/timelogs/retroactive/", entry(shift, start, end), format="json")
    clock.move_to(at(TUESDAY, 12))
    assert timelogs.auto_approve_due(by=system_user) == 0


def test_a_manual_entry_on_the_first_day_from_midnight_and_of_16_hours_is_taken(shift, api_as, clock):
    clock.move_to(at(TUESDAY, 6))
    response = api_as(shift.worker).post(
        "/api/v1/timelogs/retroactive/", entry(shift, at(MONDAY, 0), at(MONDAY, 16)), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == S.PENDING_SUPERVISOR_VERIFICATION


def test_a_manual_entry_after_the_dispatch_ended_is_refused(shift, clock, dispatcher):
    from dispatch import services as dispatch_services

    clock.move_to(at(TUESDAY + datetime.timedelta(days=2), 9))
    dispatch_services.dispatch_end(dispatch_id=shift.dispatch.pk, by=dispatcher, end_reason="laid_off", end_date=MONDAY)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_retroactive_submit(
            dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=at(TUESDAY, 7), clock_out=at(TUESDAY, 15)
        )
    assert refused.value.code == "after_dispatch_end"
    # The last day itself is inside.
    timelogs.timelog_retroactive_submit(
        dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=at(MONDAY, 7), clock_out=at(MONDAY, 15)
    )


def test_an_officer_enters_a_member_s_entry_longer_than_the_limit(shift, api_as, clock, officer, dispatcher):
    clock.move_to(at(TUESDAY, 6))
    long_day = entry(shift, at(MONDAY, 0), at(MONDAY, 20), note="Storm call-out, confirmed by the foreman")
    refused = api_as(dispatcher).post("/api/v1/timelogs/retroactive/", long_day, format="json")
    assert refused.status_code == 404, "a dispatcher may not enter a member's hours"
    response = api_as(officer).post("/api/v1/timelogs/retroactive/", long_day, format="json")
    assert response.status_code == 201, response.content
    log = TimeLog.objects.get()
    assert (log.worker, log.last_editor, log.worker_times.billable_minutes) == (shift.worker, officer, 20 * 60)
    assert log.history.first().history_user == officer


def test_the_same_entry_sent_twice_to_the_api_answers_the_first_one(shift, api_as, clock):
    clock.move_to(at(MONDAY, 18))
    body = entry(shift, at(MONDAY, 7), at(MONDAY, 15), breaks=30, note="No signal on site")
    worker = api_as(shift.worker)
    first = worker.post("/api/v1/timelogs/retroactive/", body, format="json")
    messages = Notification.objects.count()
    again = worker.post("/api/v1/timelogs/retroactive/", body, format="json")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TimeLog.objects.count() == 1
    assert Notification.objects.count() == messages, "the supervisor is asked once"


def test_another_entry_over_one_waiting_for_the_supervisor_is_a_409(shift, api_as, clock):
    clock.move_to(at(MONDAY, 18))
    worker = api_as(shift.worker)
    worker.post("/api/v1/timelogs/retroactive/", entry(shift, at(MONDAY, 7), at(MONDAY, 15)), format="json")
    response = worker.post("/api/v1/timelogs/retroactive/", entry(shift, at(MONDAY, 8), at(MONDAY, 16)), format="json")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "overlaps_waiting"
    assert TimeLog.objects.count() == 1


def test_a_manual_entry_that_took_over_an_open_shift_answers_the_same_when_sent_again(shift, clock):
    timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(at(MONDAY, 18))
    send = dict(dispatch_id=shift.dispatch.pk, by=shift.worker, clock_in=at(MONDAY, 7), clock_out=at(MONDAY, 15))
    first = timelogs.timelog_retroactive_submit(**send)
    again = timelogs.timelog_retroactive_submit(**send)
    assert again.pk == first.pk
    assert TimeLog.objects.get().status == S.PENDING_SUPERVISOR_VERIFICATION


def test_a_double_tap_in_the_portal_makes_one_entry(client, shift, clock):
    client.force_login(shift.worker)
    clock.move_to(at(MONDAY, 18))
    data = form(shift, at(MONDAY, 7), at(MONDAY, 15), note="Phone died")
    first = client.post(reverse("portal:member-retroactive"), data)
    again = client.post(reverse("portal:member-retroactive"), data)
    log = TimeLog.objects.get()
    assert first["Location"] == again["Location"] == reverse("portal:member-timelog", args=[log.pk])


@pytest.mark.parametrize("case", ["year 1", "1900", "the day before the dispatch", "longer than 16 hours"])
def test_a_manual_entry_outside_the_dispatch_is_refused_beside_its_field_in_the_portal(client, shift, clock, case):
    start, end, _code, field = OUT_OF_BOUNDS[case]
    client.force_login(shift.worker)
    clock.move_to(at(TUESDAY, 6))
    response = client.post(reverse("portal:member-retroactive"), form(shift, start, end))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_clock_{"in" if field == "start" else "out"}_error"' in page
    assert not TimeLog.objects.exists()


def test_a_correction_sent_twice_is_one_correction(shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(at(MONDAY, 15))
    timelogs.timelog_kiosk_stop(timelog_id=log.pk, by=shift.supervisor)
    clock.move_to(at(MONDAY, 18))
    send = dict(timelog_id=log.pk, by=shift.worker, clock_in=at(MONDAY, 7), clock_out=at(MONDAY, 16), note="Stayed")
    first = timelogs.timelog_correction_submit(**send)
    again = timelogs.timelog_correction_submit(**send)
    assert again.pk == first.pk
    assert log.corrections.count() == 1
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_correction_submit(**{**send, "clock_out": at(MONDAY, 17)})
    assert refused.value.code == "correction_pending"


def test_an_officer_enters_a_long_day_from_the_console_and_a_dispatcher_cannot(
    client, shift, clock, officer, dispatcher
):
    clock.move_to(at(TUESDAY, 6))
    url = reverse("admin:fulfillment_timelog_manual_entry")
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
    client.force_login(officer)
    assert url in client.get(reverse("admin:fulfillment_timelog_changelist")).content.decode()
    data = {"dispatch": shift.dispatch.pk, "clock_in_0": "2026-12-07", "clock_in_1": "00:00",
            "clock_out_0": "2026-12-07", "clock_out_1": "20:00", "break_minutes": "0", "lunch_minutes": "30",
            "note": "Storm call-out"}  # fmt: skip
    before = client.post(url, {**data, "clock_in_0": "2026-12-06"})
    assert before.status_code == 400
    assert "Before the dispatch started" in before.content.decode()
    response = client.post(url, data)
    log = TimeLog.objects.get()
    assert response["Location"] == reverse("admin:fulfillment_timelog_change", args=[log.pk])
    assert (log.worker, log.status, log.worker_times.billable_minutes) == (
        shift.worker, S.PENDING_SUPERVISOR_VERIFICATION, 20 * 60 - 30,
    )  # fmt: skip
