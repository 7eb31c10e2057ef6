"""A member's registrations through the phone API."""

import datetime

import pytest
import time_machine

from members.tests.factories import MemberFactory
from referral import services
from referral.models import ReferralBook
from unioncore.api.testing import count_queries
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_user(db):
    user = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=user)
    return user


def test_my_registrations_show_the_apn_as_two_decimals_and_my_place(book, register, member_user, api_as):
    register(book)
    register(book)
    mine = register(book, member=member_user.member)
    response = api_as(member_user).get("/api/v1/me/registrations/")
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert row["id"] == mine.pk
    assert isinstance(row["apn"], str)
    assert row["apn"] == f"{mine.apn:.2f}"
    assert row["position"] == 3  # 1 = next up; the two before registered first
    assert row["re_sign_due"] == mine.re_sign_due.isoformat()
    assert row["check_marks"] == 0
    assert row["exempt"] is False


def test_another_members_registration_cannot_be_re_signed_404(book, register, member_user, api_as):
    theirs = register(book)
    response = api_as(member_user).post(f"/api/v1/registrations/{theirs.pk}/re-sign/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_re_sign_inside_the_window(book, register, member_user, api_as):
    mine = register(book, member=member_user.member)
    with time_machine.travel(mine.re_sign_due - datetime.timedelta(days=1)):
        response = api_as(member_user).post(f"/api/v1/registrations/{mine.pk}/re-sign/")
    assert response.status_code == 200, response.content
    assert response.json()["re_sign_due"] > mine.re_sign_due.isoformat()


def test_re_sign_outside_the_window_is_a_400_with_the_rule(book, register, member_user, api_as):
    mine = register(book, member=member_user.member)
    response = api_as(member_user).post(f"/api/v1/registrations/{mine.pk}/re-sign/")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "outside_re_sign_window"


def test_my_registrations_run_a_constant_number_of_queries(register, member_user, api_as, django_assert_num_queries):
    books = list(ReferralBook.objects.filter(is_active=True).order_by("id"))
    client = api_as(member_user)
    registered = []
    for candidate in books:
        try:
            registered.append(
                services.registration_register(
                    member_id=member_user.member.pk, book_id=candidate.pk, by=UserFactory(is_staff=True)
                )
            )
        except Exception:  # a book this member cannot sign (another trade): skip it
            continue
        if len(registered) == 1:
            one = count_queries(lambda: client.get("/api/v1/me/registrations/"))
        if len(registered) == 5:
            break
    assert len(registered) >= 2, "needs at least two books a member can sign"
    with django_assert_num_queries(one):
        assert len(client.get("/api/v1/me/registrations/").json()["results"]) == len(registered)


# --- Who may see and do what: each role against member A's registration ---

ROLES = ("member_a", "member_b", "supervisor_x", "supervisor_y", "staff")


@pytest.fixture
def roles(member_user):
    from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
    from unioncore.tests.factories import StaffFactory

    member_b = UserFactory(kind=UserKind.MEMBER)
    MemberFactory(user=member_b)
    employer_x, employer_y = EmployerFactory(), EmployerFactory()
    return {
        "member_a": member_user,
        "member_b": member_b,
        "supervisor_x": EmployerUserFactory(employer=employer_x, role="supervisor").user,
        "supervisor_y": EmployerUserFactory(employer=employer_y, role="supervisor").user,
        "staff": StaffFactory(),
    }


@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix_for_registrations(book, register, roles, api_as, role):
    mine = register(book, member=roles["member_a"].member)
    owner = role == "member_a"
    client = api_as(roles[role])
    with time_machine.travel(mine.re_sign_due - datetime.timedelta(days=1)):
        listed = [r["id"] for r in client.get("/api/v1/me/registrations/").json()["results"]]
        response = client.post(f"/api/v1/registrations/{mine.pk}/re-sign/")
    assert listed == ([mine.pk] if owner else [])
    assert response.status_code == (200 if owner else 404), response.content
    due = type(mine).objects.get(pk=mine.pk).re_sign_due
    assert (due > mine.re_sign_due) if owner else (due == mine.re_sign_due)
