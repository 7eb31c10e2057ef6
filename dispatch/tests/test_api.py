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
    services.dispatch_decline(dispatch_id=first.pk, by=dispatcher)
    # Answered offers: a pending one (a member holds one at most) also reads what declining costs.
    one = count_queries(lambda: client.get("/api/v1/me/dispatches/"))
    for _ in range(4):
        request = make_request()
        registration = member_user.member.registrations.get(book=book)
        offer = services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=dispatcher)
        services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher, no_check_mark_reason="")
    with django_assert_num_queries(one):
        assert len(client.get("/api/v1/me/dispatches/").json()["results"]) == 5


# --- Filters (django-filter) ---


def test_my_dispatches_filter_by_status(book, register, dispatcher, make_request, member_user, api_as, clock):
    offer = _dispatch(book, register, dispatcher, make_request, member_user.member)
    client = api_as(member_user)
    assert [d["id"] for d in client.get("/api/v1/me/dispatches/", {"status": "pending"}).json()["results"]] == [
        offer.pk
    ]
    assert client.get("/api/v1/me/dispatches/", {"status": "accepted"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/api/v1/me/dispatches/", {"status": "bogus"}, "status"),
        ("/api/v1/jobs/", {"book": "abc"}, "book"),
        ("/api/v1/jobs/", {"book": "999999"}, "book"),
    ],
)
def test_a_bad_filter_value_is_a_400_in_the_error_format(member_user, api_as, path, query, field):
    response = api_as(member_user).get(path, query)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}


def test_jobs_filter_by_book(book, register, member_user, bid_request, api_as):
    from referral.models import ReferralBook

    register(book, member=member_user.member)
    other = ReferralBook.objects.filter(is_active=True).exclude(classification=book.classification).first()
    client = api_as(member_user)
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        assert [j["id"] for j in client.get("/api/v1/jobs/", {"book": book.pk}).json()["results"]] == [bid_request.pk]
        assert client.get("/api/v1/jobs/", {"book": other.pk}).json()["count"] == 0


def test_jobs_run_the_same_queries_for_1_and_5_requests(
    book, register, member_user, make_request, api_as, django_assert_num_queries
):
    register(book, member=member_user.member)
    client = api_as(member_user)
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        make_request(taken_at=timezone.now())
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        one = count_queries(lambda: client.get("/api/v1/jobs/", {"book": book.pk}))
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        for _ in range(4):
            make_request(taken_at=timezone.now())
    with time_machine.travel(at(SUNDAY, 18), tick=False), django_assert_num_queries(one):
        assert len(client.get("/api/v1/jobs/", {"book": book.pk}).json()["results"]) == 5


# --- Who may see and do what: each role against member A's dispatch and job ---

ROLES = ("member_a", "member_b", "supervisor_x", "supervisor_y", "staff")


@pytest.fixture
def roles(member_user, employer):
    from dispatch.tests.factories import EmployerUserFactory
    from unioncore.tests.factories import StaffFactory

    member_b = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=member_b)
    return {
        "member_a": member_user,
        "member_b": member_b,
        "supervisor_x": EmployerUserFactory(employer=employer, role="supervisor").user,
        "supervisor_y": EmployerUserFactory(role="supervisor").user,
        "staff": StaffFactory(),
    }


OWNER_ONLY = {"member_a": True, "member_b": False, "supervisor_x": False, "supervisor_y": False, "staff": False}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_visibility_matrix_for_dispatches(book, register, dispatcher, make_request, roles, api_as, clock, action, role):
    offer = _dispatch(book, register, dispatcher, make_request, roles["member_a"].member)
    client = api_as(roles[role])
    listed = [d["id"] for d in client.get("/api/v1/me/dispatches/").json()["results"]]
    assert listed == ([offer.pk] if OWNER_ONLY[role] else [])
    response = client.post(f"/api/v1/dispatches/{offer.pk}/{action}/")
    assert response.status_code == (200 if OWNER_ONLY[role] else 404), response.content
    offer.refresh_from_db()
    if not OWNER_ONLY[role]:
        assert response.json()["error"]["code"] == "not_found"
        assert offer.status == "pending"


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix_for_jobs_and_bids(book, register, roles, bid_request, api_as, role):
    register(book, member=roles["member_a"].member)
    client = api_as(roles[role])
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        listed = [j["id"] for j in client.get("/api/v1/jobs/").json()["results"]]
        assert listed == ([bid_request.pk] if OWNER_ONLY[role] else [])
        response = client.post(f"/api/v1/jobs/{bid_request.pk}/bid/")
        assert response.status_code == (201 if OWNER_ONLY[role] else 404), response.content
        withdraw = client.delete(f"/api/v1/jobs/{bid_request.pk}/bid/")
        assert withdraw.status_code == (200 if OWNER_ONLY[role] else 404), withdraw.content
    assert JobBid.objects.count() == (1 if OWNER_ONLY[role] else 0)


def test_a_member_cannot_withdraw_another_members_bid(book, register, roles, bid_request, api_as):
    register(book, member=roles["member_a"].member)
    register(book, member=roles["member_b"].member)
    with time_machine.travel(at(SUNDAY, 18), tick=False):
        assert api_as(roles["member_a"]).post(f"/api/v1/jobs/{bid_request.pk}/bid/").status_code == 201
        # member B sees the job (same book) but has no bid on it: their own withdrawal fails,
        # member A's bid stays
        response = api_as(roles["member_b"]).delete(f"/api/v1/jobs/{bid_request.pk}/bid/")
    assert response.status_code in (400, 404, 409), response.content
    assert JobBid.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("terms", "excuse"),
    [
        ({"is_short_call": True, "expected_days": 2}, "short_call"),
        ({"report_time": datetime.time(5, 30)}, "early_start"),
    ],
)
def test_declining_a_short_call_or_a_5_30_job_from_the_phone_gives_no_check_mark(
    book, register, member_user, make_request, dispatcher, api_as, terms, excuse
):
    mine = register(book, member=member_user.member)
    offer = services.dispatch_offer(job_request_id=make_request(**terms).pk, registration_id=mine.pk, by=dispatcher)
    response = api_as(member_user).post(f"/api/v1/dispatches/{offer.pk}/decline/")
    assert response.status_code == 200, response.content
    mine.refresh_from_db()
    assert mine.check_marks == 0
    assert mine.activities.get(action="no_check_mark").no_check_mark_reason == excuse


def test_declining_an_ordinary_job_from_the_phone_still_gives_a_check_mark(
    book, register, member_user, make_request, dispatcher, api_as
):
    mine = register(book, member=member_user.member)
    offer = services.dispatch_offer(job_request_id=make_request().pk, registration_id=mine.pk, by=dispatcher)
    assert api_as(member_user).post(f"/api/v1/dispatches/{offer.pk}/decline/").status_code == 200
    mine.refresh_from_db()
    assert mine.check_marks == 1
