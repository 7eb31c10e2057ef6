"""Check in with the employer by 3 PM of the dispatch day, or come off the books (the 2024
procedure, rule 7): the supervisor records it from the phone app, a dispatcher from the console,
a clock-in at the site counts; at 3 PM the no-shows are rolled off every book, with the reason."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dispatch import selectors, tasks
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from fulfillment.services import timelogs
from fulfillment.tests.factories import SiteUserFactory, WorkerFactory, on_the_job
from referral.enums import RegistrationStatus, RollOffReason
from referral.models import BookRegistration, ReferralBook
from referral.services import registration_register
from unioncore.celery import app
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

DAY = datetime.date(2026, 12, 8)  # a Tuesday


@pytest.fixture
def supervisor():
    return SiteUserFactory(employer=EmployerFactory())


@pytest.fixture
def worker():
    return WorkerFactory()


@pytest.fixture
def dispatched(worker, supervisor, dispatcher):
    """The worker, also on the tradeshow book, dispatched to the supervisor's employer for DAY."""
    with time_machine.travel(at(DAY, 6), tick=False):
        tech = ReferralBook.objects.get(code="TRADE_SEA_1")
        registration_register(member_id=worker.pk, book_id=tech.pk, by=dispatcher)
        return on_the_job(worker=worker, employer=supervisor.employer, by=dispatcher, day=DAY)


def registrations_of(worker):
    return set(BookRegistration.objects.filter(member=worker).values_list("status", "roll_off_reason"))


def three_pm():
    with time_machine.travel(at(DAY, 15), tick=False):
        return tasks.roll_off_no_shows()


def test_the_supervisor_checks_the_member_in_from_the_app_and_nobody_is_rolled_off(
    api_as, supervisor, dispatched, worker
):
    with time_machine.travel(at(DAY, 7), tick=False):
        response = api_as(supervisor.user).post(f"/api/v1/dispatches/{dispatched.pk}/check-in/")
    assert response.status_code == 200, response.content
    assert response.json()["checked_in_at"]
    dispatch = Dispatch.objects.get(pk=dispatched.pk)
    assert (dispatch.checked_in_by, dispatch.history.first().history_user) == (supervisor.user, supervisor.user)
    assert three_pm() == 0
    assert RollOffReason.NO_CHECK_IN not in {reason for _, reason in registrations_of(worker)}


def test_no_check_in_by_3_pm_rolls_the_member_off_every_book_with_the_reason(dispatched, worker, system_user):
    with time_machine.travel(
        at(
            DAY,
            14,
        ),
        tick=False,
    ):
        assert list(selectors.no_shows(day=DAY)) == [dispatched]
    assert three_pm() == 1
    assert registrations_of(worker) == {(RegistrationStatus.ROLLED_OFF, RollOffReason.NO_CHECK_IN)}
    activity = BookRegistration.objects.filter(member=worker).first().activities.first()
    assert activity.actor == system_user
    assert "No check-in with" in activity.reason
    assert "by 3 PM on 12/08/2026" in activity.reason
    assert Dispatch.objects.get(pk=dispatched.pk).no_show_at is not None
    assert three_pm() == 0, "a second run changes nothing"


def test_a_clock_in_at_the_site_before_3_pm_counts_as_the_check_in(dispatched, worker):
    with time_machine.travel(at(DAY, 7), tick=False):
        timelogs.timelog_clock_in(dispatch_id=dispatched.pk, by=worker.user)
    assert three_pm() == 0
    assert RollOffReason.NO_CHECK_IN not in {reason for _, reason in registrations_of(worker)}


def test_a_dispatcher_records_the_check_in_from_the_console(client, dispatcher, dispatched, worker):
    client.force_login(dispatcher)
    with time_machine.travel(at(DAY, 11), tick=False):
        response = client.post(
            reverse("admin:dispatch_dispatch_changelist"),
            {"action": "check_in", "_selected_action": [dispatched.pk], "index": 0},
            follow=True,
        )
    assert "1 check-in(s) recorded." in response.content.decode()
    assert Dispatch.objects.get(pk=dispatched.pk).checked_in_by == dispatcher
    assert three_pm() == 0
    no_shows = client.get(reverse("admin:dispatch_dispatch_changelist"), {"check_in": "no_show"})
    assert list(no_shows.context["cl"].result_list) == []


def test_the_console_lists_the_no_shows(client, dispatcher, dispatched):
    three_pm()
    client.force_login(dispatcher)
    response = client.get(reverse("admin:dispatch_dispatch_changelist"), {"check_in": "no_show"})
    assert [d.pk for d in response.context["cl"].result_list] == [dispatched.pk]


def test_another_employers_supervisor_or_the_member_cannot_check_in(api_as, dispatched, worker):
    stranger = SiteUserFactory(employer=EmployerFactory())
    assert api_as(stranger.user).post(f"/api/v1/dispatches/{dispatched.pk}/check-in/").status_code == 404
    assert api_as(worker.user).post(f"/api/v1/dispatches/{dispatched.pk}/check-in/").status_code == 404
    assert Dispatch.objects.get(pk=dispatched.pk).checked_in_at is None


def test_a_check_in_after_the_roll_off_is_refused_with_the_rule(api_as, supervisor, dispatched):
    three_pm()
    with time_machine.travel(at(DAY, 16), tick=False):
        response = api_as(supervisor.user).post(f"/api/v1/dispatches/{dispatched.pk}/check-in/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_show"


def test_the_beat_runs_the_check_in_roll_off_at_3_pm():
    entry = app.conf.beat_schedule["dispatch-roll-off-no-shows"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({15}, {0})


def test_the_supervisor_checks_the_member_in_from_the_crew_page(client, supervisor, dispatched, worker):
    client.force_login(supervisor.user)
    with time_machine.travel(at(DAY, 7), tick=False):
        page = client.get(reverse("portal:supervisor-list")).content.decode()
        assert "Check in today's crew" in page
        assert f"Checked in: {worker.first_name} {worker.last_name}" in page
        response = client.post(reverse("portal:supervisor-check-in", args=[dispatched.pk]), follow=True)
        assert f"Checked in: {worker.first_name} {worker.last_name}." in response.content.decode()
        assert "Check in today" not in response.content.decode()  # nobody left to check in
    assert Dispatch.objects.get(pk=dispatched.pk).checked_in_by == supervisor.user
    assert three_pm() == 0


def test_another_employers_supervisor_gets_the_not_found_page(client, dispatched):
    stranger = SiteUserFactory(employer=EmployerFactory())
    client.force_login(stranger.user)
    response = client.post(reverse("portal:supervisor-check-in", args=[dispatched.pk]))
    assert response.status_code == 404
    assert Dispatch.objects.get(pk=dispatched.pk).checked_in_at is None


def roll_off_notices(worker):
    from unioncore.notifications.models import Notification

    return list(Notification.objects.filter(recipient=worker.user, kind="rolled_off_all_books"))


def test_the_member_is_told_of_the_roll_off_once_with_the_reason(dispatched, worker, supervisor, sms_outbox):
    from unioncore.portal.testing import deliver_pending

    assert three_pm() == 1
    assert three_pm() == 0, "the task runs twice: nothing more"
    (notice,) = roll_off_notices(worker)
    assert notice.channel == "sms"
    assert "you have been rolled off every book you were on" in notice.body
    assert f"Did not check in with the employer by 3 PM: No check-in with {supervisor.employer} by 3 PM on 12/08/" in (
        notice.body
    )
    deliver_pending()
    texts = [m.body for m in sms_outbox if m.to == worker.user.phone.as_e164 and "rolled off" in m.body]
    assert texts == [notice.body]


def test_a_member_who_checked_in_is_not_told_anything(api_as, supervisor, dispatched, worker):
    with time_machine.travel(at(DAY, 8), tick=False):
        api_as(supervisor.user).post(f"/api/v1/dispatches/{dispatched.pk}/check-in/")
    assert three_pm() == 0
    assert roll_off_notices(worker) == []


def test_the_crew_page_says_the_check_in_time_of_the_rule(client, supervisor, dispatched, worker, monkeypatch):
    monkeypatch.setattr("dispatch.rules.CHECK_IN_BY", datetime.time(14, 30))
    client.force_login(supervisor.user)
    with time_machine.travel(at(DAY, 7), tick=False):
        page = client.get(reverse("portal:supervisor-list")).content.decode()
    assert "check in by 2:30 PM, or the hall takes them off its books" in page
