"""A member's jobs and dispatches in the portal: bid / withdraw inside the window, accept /
decline an offer, why I was or was not referred; never another member's."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.models import Dispatch, JobBid
from dispatch.tests.factories import EmployerUserFactory
from members.tests.factories import MemberFactory
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 12, 4)
SUNDAY = datetime.date(2026, 12, 6)
MONDAY = datetime.date(2026, 12, 7)
BIDDING = at(SUNDAY, 20)  # the window runs Sunday 5:30 PM to Monday 7 AM


@pytest.fixture
def on_book(book, register, member_user):
    return register(book, member=member_user.member, apn="45500.01")


@pytest.fixture
def bid_request(make_request):
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        return make_request(taken_at=timezone.now())


@pytest.fixture
def offer(bid_request, on_book, dispatcher):
    return services.dispatch_offer(job_request_id=bid_request.pk, registration_id=on_book.pk, by=dispatcher)


def test_the_home_page_lists_jobs_open_for_bids_with_a_bid_button(client, member_user, on_book, bid_request):
    client.force_login(member_user)
    with time_machine.travel(BIDDING, tick=False):
        page = client.get(reverse("portal:member-home")).content.decode()
    assert bid_request.employer.name in page
    assert "Bid on this job" in page


def test_a_member_bids_and_withdraws_during_the_window(client, member_user, on_book, bid_request):
    client.force_login(member_user)
    with time_machine.travel(BIDDING, tick=False):
        response = client.post(reverse("portal:member-bid", args=[bid_request.pk]), follow=True)
        assert "Your bid is in." in response.content.decode()
        assert "Withdraw my bid" in response.content.decode()
        assert JobBid.objects.get(job_request=bid_request).status == "pending"
        response = client.post(reverse("portal:member-withdraw", args=[bid_request.pk]), follow=True)
    assert "Your bid is withdrawn." in response.content.decode()
    assert JobBid.objects.get(job_request=bid_request).status == "withdrawn"


def test_a_bid_outside_the_window_is_refused_with_the_window(client, member_user, on_book, bid_request):
    client.force_login(member_user)
    with time_machine.travel(at(MONDAY, 7).replace(minute=30), tick=False):
        page = client.post(reverse("portal:member-bid", args=[bid_request.pk]), follow=True).content.decode()
    assert "Bids are taken from" in page
    assert not JobBid.objects.exists()


def test_htmx_bid_returns_the_job_card(client, member_user, on_book, bid_request):
    client.force_login(member_user)
    with time_machine.travel(BIDDING, tick=False):
        response = client.post(reverse("portal:member-bid", args=[bid_request.pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert page.lstrip().startswith("<article")
    assert "You bid on this job" in page


def test_a_request_off_my_books_is_a_404(client, bid_request):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    client.force_login(stranger)
    with time_machine.travel(BIDDING, tick=False):
        assert client.get(reverse("portal:member-job", args=[bid_request.pk])).status_code == 404
        assert client.post(reverse("portal:member-bid", args=[bid_request.pk])).status_code == 404
    assert not JobBid.objects.exists()


def test_a_member_accepts_an_offer(client, member_user, offer):
    client.force_login(member_user)
    page = client.get(reverse("portal:member-home")).content.decode()
    assert reverse("portal:member-accept", args=[offer.pk]) in page
    response = client.post(reverse("portal:member-accept", args=[offer.pk]), follow=True)
    assert "You accepted the job." in response.content.decode()
    assert Dispatch.objects.get(pk=offer.pk).status == "accepted"


def test_a_member_declines_an_offer_and_gets_the_check_mark(client, member_user, offer, on_book):
    client.force_login(member_user)
    response = client.post(reverse("portal:member-decline", args=[offer.pk]), follow=True)
    assert "You declined the job." in response.content.decode()
    assert Dispatch.objects.get(pk=offer.pk).status == "declined"
    on_book.refresh_from_db()
    assert on_book.check_marks == 1


def test_answering_twice_shows_the_rule_not_an_error(client, member_user, offer):
    client.force_login(member_user)
    client.post(reverse("portal:member-accept", args=[offer.pk]))
    response = client.post(reverse("portal:member-decline", args=[offer.pk]), follow=True)
    assert response.status_code == 200
    assert "This dispatch is accepted" in response.content.decode()


def test_another_members_dispatch_is_a_404(client, offer):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("portal:member-dispatch", args=[offer.pk])).status_code == 404
    assert client.post(reverse("portal:member-accept", args=[offer.pk])).status_code == 404
    assert Dispatch.objects.get(pk=offer.pk).status == "pending"


def test_accept_needs_its_csrf_token(member_user, offer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_user)
    assert client.post(reverse("portal:member-accept", args=[offer.pk])).status_code == 403
    assert Dispatch.objects.get(pk=offer.pk).status == "pending"


def test_an_employer_user_cannot_answer_a_members_offer(client, offer):
    client.force_login(EmployerUserFactory().user)
    assert client.post(reverse("portal:member-accept", args=[offer.pk])).status_code == 403


def test_a_member_sees_why_they_were_or_were_not_referred(client, book, register, make_request, employer):
    from dispatch.models import EmployerBar

    users = [UserFactory(kind=UserKind.MEMBER) for _ in range(3)]
    registrations = [register(book, member=MemberFactory(user=u), apn=f"46000.0{n}") for n, u in enumerate(users, 1)]
    EmployerBar.objects.create(employer=employer, member=registrations[0].member, reason="safety")
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        request = make_request(taken_at=timezone.now())
    with time_machine.travel(at(MONDAY, 8).replace(minute=30), tick=False):
        services.referral_run(job_request_id=request.pk, by=request.taken_by)
    seen = {}
    with time_machine.travel(at(MONDAY, 9), tick=False):  # after the referral, before the job starts
        for user in users:
            client.force_login(user)
            # The job (bidding closed) is one tap from the home: on the jobs page.
            home = client.get(reverse("portal:member-home")).content.decode()
            assert reverse("portal:member-jobs") in home
            jobs = client.get(reverse("portal:member-jobs")).content.decode()
            assert reverse("portal:member-job", args=[request.pk]) in jobs
            seen[user] = client.get(reverse("portal:member-job", args=[request.pk])).content.decode()
    assert "Passed over: Barred from this employer." in seen[users[0]]
    assert "Referred in list order." in seen[users[1]]
    assert "Not reached" in seen[users[2]]


@pytest.mark.parametrize(
    ("terms", "excuse"),
    [
        ({"is_short_call": True, "expected_days": 3}, "short_call"),
        ({"report_time": datetime.time(5, 30)}, "early_start"),
    ],
)
def test_declining_a_short_call_or_a_job_before_6_am_gives_no_check_mark(
    client, member_user, on_book, make_request, dispatcher, terms, excuse
):
    request = make_request(**terms)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=on_book.pk, by=dispatcher)
    client.force_login(member_user)
    response = client.post(reverse("portal:member-decline", args=[offer.pk]), follow=True)
    assert "You declined the job." in response.content.decode()
    on_book.refresh_from_db()
    assert on_book.check_marks == 0
    passed = on_book.activities.get(action="no_check_mark")
    assert (passed.no_check_mark_reason, passed.actor) == (excuse, member_user)


def test_decline_asks_first_and_says_it_costs_a_check_mark(client, member_user, offer, on_book):
    client.force_login(member_user)
    dispatch_page = client.get(reverse("portal:member-dispatch", args=[offer.pk])).content.decode()
    decline_url = reverse("portal:member-decline", args=[offer.pk])
    assert f'href="{decline_url}"' in dispatch_page, "Decline is a link to the question, not a one-tap form"
    assert f'action="{decline_url}"' not in dispatch_page
    question = client.get(decline_url)
    assert question.status_code == 200
    assert "Declining costs a check mark on Inside Wireperson" in question.content.decode()
    assert "1 of the 2 allowed" in question.content.decode()
    assert Dispatch.objects.get(pk=offer.pk).status == "pending", "asking changes nothing"
    on_book.refresh_from_db()
    assert on_book.check_marks == 0


def test_decline_says_when_it_costs_no_check_mark(client, member_user, on_book, make_request, dispatcher):
    request = make_request(is_short_call=True, expected_days=3)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=on_book.pk, by=dispatcher)
    client.force_login(member_user)
    question = client.get(reverse("portal:member-decline", args=[offer.pk])).content.decode()
    assert "Declining costs no check mark: short call." in question


def test_decline_warns_when_the_check_mark_takes_the_member_off_the_book(client, member_user, offer, on_book):
    on_book.check_marks = on_book.book.check_marks_allowed
    on_book.save()
    client.force_login(member_user)
    question = client.get(reverse("portal:member-decline", args=[offer.pk])).content.decode()
    assert "check mark 3, one more than the 2 allowed, takes you off the book" in question


def test_another_members_decline_question_is_a_404(client, offer):
    stranger = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=stranger)
    client.force_login(stranger)
    assert client.get(reverse("portal:member-decline", args=[offer.pk])).status_code == 404
