"""Requests the morning referral left unfilled go to the Business Manager (the 2024 procedure,
rule 2): a queue in the console and a notice to the officers at 10:00, once a day."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services, tasks
from dispatch.tests.conftest import MONDAY
from unioncore.celery import app
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too


@pytest.fixture(autouse=True)
def _no_notice_yet():
    cache.delete(services.UNFILLED_NOTICE_KEY.format(day=MONDAY.isoformat()))
    yield
    cache.delete(services.UNFILLED_NOTICE_KEY.format(day=MONDAY.isoformat()))


@pytest.fixture
def morning(book, register, make_request, dispatcher, officer):
    """Monday's referral at 8:30: one request filled, one short of a worker, one not referred yet."""
    officer.email = "bm@local46.example.org"
    officer.save()
    with time_machine.travel(at(MONDAY, 8), tick=False):
        registration = register(book, apn="46000.01")
        filled = make_request()
        short = make_request(workers_wanted=2)
        later = make_request(start_date=MONDAY + datetime.timedelta(days=3), taken_at=at(MONDAY, 7))
    with time_machine.travel(at(MONDAY, 9), tick=False):
        services.dispatch_offer(job_request_id=filled.pk, registration_id=registration.pk, by=dispatcher)
    return filled, short, later


def test_the_queue_holds_what_the_referral_left_unfilled(morning):
    filled, short, later = morning
    with time_machine.travel(at(MONDAY, 10), tick=False):
        queue = list(selectors.unfilled_after_referral(now=timezone.now()))
    assert queue == [short]
    assert filled not in queue
    assert later not in queue  # referred tomorrow morning: not yet


def test_the_officers_are_told_once_a_day(morning):
    with time_machine.travel(at(MONDAY, 10), tick=False):
        assert tasks.notify_unfilled_requests() == 1
        assert tasks.notify_unfilled_requests() == 0, "a second run the same day sends nothing"
    (notice,) = mail.outbox
    assert notice.to == ["bm@local46.example.org"]
    assert "1 request(s) unfilled after the morning referral" in notice.subject
    assert f"#{morning[1].pk}" in notice.body
    assert "0 of 2 filled" in notice.body


def test_the_console_filters_the_business_managers_queue(client, officer, morning):
    client.force_login(officer)
    with time_machine.travel(at(MONDAY, 10), tick=False):
        response = client.get(reverse("admin:dispatch_jobrequest_changelist"), {"unfilled": "yes"})
    assert response.status_code == 200
    assert [r.pk for r in response.context["cl"].result_list] == [morning[1].pk]


def test_the_beat_sends_the_notice_at_10_on_working_days():
    entry = app.conf.beat_schedule["dispatch-notify-unfilled-requests"]
    assert entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({10}, {0})
    assert entry["schedule"].day_of_week == {1, 2, 3, 4, 5}
