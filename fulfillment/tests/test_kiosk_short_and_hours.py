"""The kiosk asks before it verifies a shift under the hall's minimum (issue 19, item 5), and a
member sees their hours per shift, per week and per dispatch, in the portal and the API."""

import datetime

import pytest
from django.urls import reverse

from fulfillment.enums import TimeLogStatus as S
from fulfillment.models import TimeLog
from fulfillment.services import timelogs
from fulfillment.tests.conftest import MONDAY
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too


def t(hour, minute=0, day=MONDAY):
    return at(day, hour).replace(minute=minute)


def test_stop_shift_under_15_minutes_asks_first_and_changes_nothing_until_confirmed(client, shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    client.force_login(shift.supervisor)
    clock.move_to(t(7, 7))
    url = reverse("portal:supervisor-kiosk-stop", args=[log.pk])
    asked = client.post(url)
    assert asked.status_code == 409
    page = asked.content.decode()
    assert "only 0 h 07" in page
    assert 'name="confirm_short" value="1"' in page
    assert TimeLog.objects.get().status == S.WORKING
    done = client.post(url, {"confirm_short": "1"})
    assert done["Location"] == reverse("portal:supervisor-kiosk")
    log.refresh_from_db()
    assert (log.status, log.billable_minutes) == (S.VERIFIED, 7)


def test_stop_shift_of_15_minutes_or_more_verifies_at_once(client, shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    client.force_login(shift.supervisor)
    clock.move_to(t(7, 15))
    client.post(reverse("portal:supervisor-kiosk-stop", args=[log.pk]))
    log.refresh_from_db()
    assert (log.status, log.billable_minutes) == (S.VERIFIED, 15)


def test_a_0_h_00_shift_is_never_verified_without_a_confirmation(shift, clock):
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    with pytest.raises(RuleViolation) as refused:
        timelogs.timelog_kiosk_stop(timelog_id=log.pk, by=shift.supervisor, at=t(7) + datetime.timedelta(seconds=20))
    assert refused.value.code == "short_shift_unconfirmed"
    assert TimeLog.objects.get().status == S.WORKING


def _day(shift, clock, day, start, end, *, verify: bool):
    clock.move_to(t(start, day=day))
    log = timelogs.timelog_clock_in(dispatch_id=shift.dispatch.pk, by=shift.worker)
    clock.move_to(t(end, day=day))
    timelogs.timelog_stop_work(timelog_id=log.pk, by=shift.worker)
    log = timelogs.timelog_submit(timelog_id=log.pk, by=shift.worker)
    if verify:
        log = timelogs.timelog_verify(timelog_id=log.pk, by=shift.supervisor)
    return log


@pytest.fixture
def two_weeks(shift, clock):
    """Mon 7–15 and Tue 7–12 verified; the next Monday 7–17 waiting for the supervisor."""
    _day(shift, clock, MONDAY, 7, 15, verify=True)
    _day(shift, clock, MONDAY + datetime.timedelta(days=1), 7, 12, verify=True)
    _day(shift, clock, MONDAY + datetime.timedelta(days=7), 7, 17, verify=False)


def test_a_member_sees_hours_per_shift_week_and_dispatch_in_the_portal(client, shift, two_weeks):
    client.force_login(shift.worker)
    page = client.get(reverse("portal:member-timelogs")).content.decode()
    by_week = page[page.index('data-testid="hours-by-week"') :]
    assert "Week of Mon Dec 14" in by_week
    assert "Week of Mon Dec 7</th><td>13 h 00</td><td>0 h 00</td><td>2</td>" in by_week
    assert "<td>0 h 00</td><td>10 h 00</td><td>1</td>" in by_week
    by_dispatch = page[page.index('data-testid="hours-by-dispatch"') :]
    assert "<td>13 h 00</td><td>10 h 00</td><td>3</td>" in by_dispatch
    assert "8 h 00 min" in page and "5 h 00 min" in page  # each shift's row  # noqa: PT018


def test_a_member_reads_hours_per_week_and_dispatch_and_each_shift_s_from_the_api(shift, two_weeks, api_as):
    worker = api_as(shift.worker)
    hours = worker.get("/api/v1/me/hours/").json()
    assert hours["weeks"] == [
        {"verified_minutes": 0, "waiting_minutes": 600, "shifts": 1, "week_start": "2026-12-14"},
        {"verified_minutes": 780, "waiting_minutes": 0, "shifts": 2, "week_start": "2026-12-07"},
    ]
    assert [(d["dispatch"], d["verified_minutes"], d["waiting_minutes"]) for d in hours["dispatches"]] == [
        (shift.dispatch.pk, 780, 600)
    ]
    logs = worker.get("/api/v1/timelogs/").json()["results"]
    assert [log["standing_minutes"] for log in logs] == [600, 300, 480]
    assert api_as(shift.supervisor).get("/api/v1/me/hours/").json() == {"weeks": [], "dispatches": []}
