"""The phone API and the portal tell a member the truth about a job (issue 22, item 7): why they
were or were not referred (`GET /api/v1/jobs/{id}/`), whether bidding opens later, is open or
closed, no job that has started, and what declining an offer costs."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from members.tests.factories import MemberFactory
from unioncore.testing import at

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 12, 4)
SUNDAY = datetime.date(2026, 12, 6)
MONDAY = datetime.date(2026, 12, 7)
TUESDAY = datetime.date(2026, 12, 8)


@pytest.fixture
def on_book(book, register, member_user):
    return register(book, member=member_user.member, apn="45500.01", when=at(FRIDAY - datetime.timedelta(days=2)))


@pytest.fixture
def bid_request(make_request):
    """Taken Friday 10 AM for Tuesday 7 AM: bids from Friday 5:30 PM to Monday 7 AM."""
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        return make_request(taken_at=timezone.now())


def _jobs(client) -> list[dict]:
    return client.get("/api/v1/jobs/").json()["results"]


@pytest.mark.parametrize(
    ("moment", "state", "label"),
    [
        (at(FRIDAY, 12), "not_open_yet", "Opens at Fri Dec 4, 5:30 PM"),
        (at(SUNDAY, 20), "open", "Open until Mon Dec 7, 7:00 AM"),
        (at(MONDAY, 8), "closed", "Closed"),
    ],
)
def test_the_jobs_list_says_when_bidding_opens_is_open_or_closed(
    member_user, on_book, bid_request, api_as, client, moment, state, label
):
    api = api_as(member_user)
    client.force_login(member_user)
    with time_machine.travel(moment, tick=False):
        [job] = _jobs(api)
        home = client.get(reverse("portal:member-home")).content.decode()
        page = client.get(reverse("portal:member-jobs")).content.decode()  # every job, one tap from the home
    assert (job["bidding_state"], job["bidding_label"]) == (state, label)
    assert label in page
    assert ("Bid on this job" in page) == (state == "open")
    assert ("Bid on this job" in home) == (state == "open"), "the home shows the jobs taking bids now"


def test_a_job_that_has_started_leaves_the_open_jobs_list(member_user, on_book, bid_request, api_as, client):
    api = api_as(member_user)
    client.force_login(member_user)
    with time_machine.travel(at(TUESDAY, 6).replace(minute=59), tick=False):
        assert [job["id"] for job in _jobs(api)] == [bid_request.pk], "a minute before its report time"
    with time_machine.travel(at(TUESDAY, 7).replace(minute=1), tick=False):
        assert _jobs(api) == []
        assert bid_request.employer.name not in client.get(reverse("portal:member-home")).content.decode()


def test_the_api_says_why_i_was_referred(member_user, on_book, bid_request, api_as, dispatcher):
    api = api_as(member_user)
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        services.bid_place(job_request_id=bid_request.pk, member_id=on_book.member_id, by=member_user)
    with time_machine.travel(at(MONDAY, 8), tick=False):
        before = api.get(f"/api/v1/jobs/{bid_request.pk}/")
        assert before.status_code == 200
        assert before.json()["explanation"] is None, "no referral run yet"
        assert before.json()["my_bid"] == "pending"
        services.referral_run(job_request_id=bid_request.pk, by=dispatcher)
        explanation = api.get(f"/api/v1/jobs/{bid_request.pk}/").json()["explanation"]
    assert explanation["reason"] == "Referred in list order."
    assert explanation["referred"] is True
    assert explanation["rank"] == 1


def test_the_api_says_why_i_was_passed_over_after_the_job_started(
    member_user, on_book, make_request, api_as, dispatcher, book, register
):
    """The explanation stays for a job no longer open for bids (a run considered me)."""
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        job = make_request(taken_at=timezone.now(), category="pla", priority_zip_codes="98001")
    with time_machine.travel(at(MONDAY, 8), tick=False):
        services.referral_run(job_request_id=job.pk, by=dispatcher)
    api = api_as(member_user)
    with time_machine.travel(at(TUESDAY, 12), tick=False):
        response = api.get(f"/api/v1/jobs/{job.pk}/")
    assert response.status_code == 200
    explanation = response.json()["explanation"]
    assert explanation["referred"] is False
    assert explanation["reason"].startswith("Passed over: PLA/CWA: home ZIP code outside the priority-hire area")
    assert response.json()["bidding_state"] == "closed"


def test_a_job_i_have_nothing_to_do_with_is_a_404(member_user, bid_request, api_as):
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        response = api_as(member_user).get(f"/api/v1/jobs/{bid_request.pk}/")
    assert response.status_code == 404


def test_another_members_explanation_is_not_mine(member_user, on_book, bid_request, api_as, dispatcher, book, register):
    other = register(book, member=MemberFactory(), apn="45400.01", when=at(FRIDAY - datetime.timedelta(days=3)))
    with time_machine.travel(at(MONDAY, 8), tick=False):
        services.referral_run(job_request_id=bid_request.pk, by=dispatcher)
        explanation = api_as(member_user).get(f"/api/v1/jobs/{bid_request.pk}/").json()["explanation"]
    assert other.apn < on_book.apn
    assert explanation["referred"] is False
    assert explanation["reason"].startswith("Not reached")


def test_a_pending_offer_says_whether_declining_costs_a_check_mark(
    member_user, on_book, make_request, api_as, dispatcher
):
    api = api_as(member_user)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        job = make_request()
        run = services.referral_run(job_request_id=job.pk, by=dispatcher)
        offer = services.dispatch_offer(job_request_id=job.pk, registration_id=on_book.pk, by=dispatcher, run=run)
        [listed] = api.get("/api/v1/me/dispatches/").json()["results"]
        assert listed["decline_costs_check_mark"] is True
        assert listed["decline_cost"].startswith("Declining costs a check mark")
        services.dispatch_accept(dispatch_id=offer.pk, by=member_user)
        [answered] = api.get("/api/v1/me/dispatches/").json()["results"]
    assert answered["decline_costs_check_mark"] is None
    assert answered["decline_cost"] is None


def test_a_short_call_offer_says_declining_costs_no_check_mark(member_user, on_book, make_request, api_as, dispatcher):
    with time_machine.travel(at(MONDAY, 9), tick=False):
        job = make_request(is_short_call=True, expected_days=3)
        run = services.referral_run(job_request_id=job.pk, by=dispatcher)
        services.dispatch_offer(job_request_id=job.pk, registration_id=on_book.pk, by=dispatcher, run=run)
        [listed] = api_as(member_user).get("/api/v1/me/dispatches/").json()["results"]
    assert listed["decline_costs_check_mark"] is False
    assert "no check mark" in listed["decline_cost"]
