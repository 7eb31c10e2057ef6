"""Per client address (issue 20, findings 8 and 10; docs/decisions/0038): failed password logins
from one address, whatever the accounts and the path (console, portal, API), stop that address
for the rest of the window; sign-in link requests are counted per address too, and the page
answers them without looking the account up (the worker does), so neither the answer nor the
work behind it tells which numbers belong to someone."""

import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from unioncore import services
from unioncore.api.testing import SchemaCheckedClient as APIClient
from unioncore.models import LoginLink, UserKind
from unioncore.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
SPRAYER, NEIGHBOUR = "203.0.113.9", "198.51.100.4"


@pytest.fixture(autouse=True)
def production_limits(settings, fresh_throttles):
    """The suite's settings raise the limits (every test signs in from 127.0.0.1); these tests
    run with the production defaults, counts cleared."""
    settings.LOGIN_FAILURES_PER_ADDRESS = 20
    settings.LOGIN_LINK_REQUESTS_PER_ADDRESS = 30


def console(password, username, address=SPRAYER):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("admin:login"), {"username": username, "password": password})
    return response, client.session.get("_auth_user_id")


def portal(password, identifier, address=SPRAYER):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("portal:login"), {"identifier": identifier, "password": password})
    return response, client.session.get("_auth_user_id")


def phone_api(password, username, address=SPRAYER):
    client = APIClient(REMOTE_ADDR=address)
    return client.post(reverse("api:login"), {"username": username, "password": password}, format="json")


def test_failures_sprayed_over_accounts_and_paths_stop_the_address_on_every_path():
    """The review's repro: 24 tries over 6 accounts in 15 seconds got through untouched."""
    staff = [StaffFactory(username=f"dispatch{n}") for n in range(6)]
    member = UserFactory(username="0012345", kind=UserKind.MEMBER)
    with time_machine.travel(NOON, tick=False):
        for n in range(20):  # 4 tries a staff account on the console and portal, a few on the API
            username = staff[n % 6].username
            path = (console, portal, phone_api)[n % 3] if n < 9 else (console, portal)[n % 2]
            answer = path("wrong", username)
            assert (answer if isinstance(answer, tuple) else (answer, None))[1] is None
        assert not any(user.is_locked for user in staff), "no account reached its own limit of 5"

        response, session = console(PASSWORD, "dispatch0")
        assert session is None, "the 21st try is refused, right password or not"
        assert services.too_many_attempts_message() in response.content.decode()
        response, session = portal(PASSWORD, "0012345")
        assert session is None
        assert services.too_many_attempts_message() in response.content.decode()
        refused = phone_api(PASSWORD, "0012345")
        assert (refused.status_code, refused.json()["error"]["code"]) == (429, "too_many_attempts")

        assert console(PASSWORD, "dispatch0", address=NEIGHBOUR)[1] == str(staff[0].pk), "another address signs in"

    with time_machine.travel(NOON + timedelta(minutes=15), tick=False):
        assert portal(PASSWORD, "0012345")[1] == str(member.pk), "the window ended"


def test_successful_logins_do_not_count_towards_the_address_limit():
    user = StaffFactory(username="dispatch1")
    with time_machine.travel(NOON, tick=False):
        for _ in range(25):
            assert console(PASSWORD, "dispatch1")[1] == str(user.pk)
        for _ in range(4):
            console("wrong", "dispatch1")
        assert console(PASSWORD, "dispatch1")[1] == str(user.pk)


def ask_for_link(identifier, address=SPRAYER):
    return Client(REMOTE_ADDR=address).post(reverse("portal:login-link"), {"identifier": identifier})


def test_link_requests_past_the_address_limit_are_refused_whatever_the_numbers(settings, tasks_at_once):
    settings.LOGIN_LINK_REQUESTS_PER_ADDRESS = 3
    with time_machine.travel(NOON, tick=False):
        answers = [ask_for_link(f"+1206555{n:04d}") for n in range(4)]
        assert [a.status_code for a in answers] == [302, 302, 302, 429]
        assert services.too_many_attempts_message() in answers[3].content.decode()
        assert ask_for_link("+12065550000", address=NEIGHBOUR).status_code == 302
    with time_machine.travel(NOON + timedelta(minutes=settings.LOGIN_LINK_MINUTES), tick=False):
        assert ask_for_link("+12065550000").status_code == 302, "the window ended"


def test_the_link_page_does_the_same_work_for_a_known_and_an_unknown_number():
    """The account is looked up by the worker, not by the page: the page's database work is the
    same for a member's number and a stranger's (on 142bdc0 the page looked the number up and
    wrote the link itself: 89 vs 68 ms median in the review)."""
    UserFactory(username="0012345", kind=UserKind.MEMBER, phone="+12065550177")
    work, times = {}, {}
    for label, number in (("known", "+12065550177"), ("unknown", "+12065550199")):
        with CaptureQueriesContext(connection) as queries:
            answer = ask_for_link(number)
        assert answer["Location"] == reverse("portal:login-link-sent")
        work[label] = [q["sql"].split(" WHERE")[0] for q in queries.captured_queries]
        times[label] = statistics.median(_timed(lambda n=number: ask_for_link(n, address=NEIGHBOUR)) for _ in range(15))
    figures = f"median {times['known'] * 1000:.1f} ms known, {times['unknown'] * 1000:.1f} ms unknown"
    print(f"link page: {len(work['known'])} queries either way; {figures}")
    assert work["known"] == work["unknown"], figures
    assert not any("unioncore_user" in sql for sql in work["known"]), f"the page read the account: {work['known']}"
    assert not LoginLink.objects.exists(), "the page wrote no link (the worker does)"


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_the_worker_sends_the_requested_link(tasks_at_once, sms_outbox):
    from unioncore.portal.testing import deliver_pending, texted_sign_in_path

    UserFactory(username="0012345", kind=UserKind.MEMBER, phone="+12065550177")
    assert ask_for_link("206-555-0177").status_code == 302
    deliver_pending()
    assert texted_sign_in_path("+12065550177")
