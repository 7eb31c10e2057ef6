"""Jobs, bids and dispatches through the phone API."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from dispatch import services
from dispatch.models import JobBid
from members.tests.factories import MemberFactory
from unioncore.api.testing import count_queries
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 12, 4)
SUNDAY = datetime.date(2026, 12, 6)


@pytest.fixture
def member_user(db):
    user = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=user)
    return user


@pytest.fixture
def bid_request(make_request):
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        return make_request(taken_at=timezone.now())


def test_a_member_sees_the_job_on_their_book_and_bids_then_withdraws(book, register, member_user, bid_request, api_as):
    register(book, member=member_user.member)
    client = api_as(member_user)
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        jobs = client.get("/api/v1/jobs/").json()["results"]
        assert [job["id"] for job in jobs] == [bid_request.pk]
        assert jobs[0]["bidding_closes_at"]
        assert jobs[0]["my_bid"] is None
        response = client.post(f"/api/v1/jobs/{bid_request.pk}/bid/")
        assert response.status_code == 201, response.content
        assert client.get("/api/v1/jobs/").json()["results"][0]["my_bid"] == "pending"
        again = client.post(f"/api/v1/jobs/{bid_request.pk}/bid/")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "already_bid"
        response = client.delete(f"/api/v1/jobs/{bid_request.pk}/bid/")
        assert response.status_code == 200
        assert response.json()["status"] == "withdrawn"


def test_a_job_off_my_books_is_a_404(member_user, bid_request, api_as):
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        response = api_as(member_user).post(f"/api/v1/jobs/{bid_request.pk}/bid/")
    assert response.status_code == 404
    assert not JobBid.objects.exists()


def _dispatch(book, register, dispatcher, make_request, member):
    registration = register(book, member=member)
    request = make_request()
    return services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)


def test_a_member_accepts_their_dispatch(book, register, dispatcher, make_request, member_user, api_as, clock):
    offer = _dispatch(book, register, dispatcher, make_request, member_user.member)
    client = api_as(member_user)
    assert [d["id"] for d in client.get("/api/v1/me/dispatches/").json()["results"]] == [offer.pk]
    response = client.post(f"/api/v1/dispatches/{offer.pk}/accept/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    again = client.post(f"/api/v1/dispatches/{offer.pk}/decline/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "wrong_status"


def test_another_members_dispatch_is_a_404(book, register, dispatcher, make_request, member_user, api_as, clock):
    offer = _dispatch(book, register, dispatcher, make_request, MemberFactory())
    client = api_as(member_user)
    assert client.get("/api/v1/me/dispatches/").json()["count"] == 0
    for action in ("accept", "decline"):
        response = client.post(f"/api/v1/dispatches/{offer.pk}/{action}/")
        assert response.status_code == 404, action


def test_my_dispatches_run_a_constant_number_of_queries(
    book, register, dispatcher, make_request, member_user, api_as, clock, django_assert_num_queries
):
    client = api_as(member_user)
    first = _dispatch(book, register, dispatcher, make_request, member_user.member)
    one = count_queries(lambda: client.get("/api/v1/me/dispatches/"))
    services.dispatch_decline(dispatch_id=first.pk, by=dispatcher)
    for _ in range(4):
        request = make_request()
        registration = member_user.member.registrations.get(book=book)
        offer = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)
        services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher, no_check_mark_reason="")
    with django_assert_num_queries(one):
        assert len(client.get("/api/v1/me/dispatches/").json()["results"]) == 5
