"""A member's books in the portal: place in line, one-tap re-sign inside the window, activity;
never another member's registration."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from dispatch.tests.factories import EmployerUserFactory
from members.tests.factories import MemberFactory
from referral.models import BookRegistration
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 2)
IN_WINDOW = DAY + datetime.timedelta(days=25)  # due on day 30; the window opens 7 days before


@pytest.fixture
def member_user():
    user = UserFactory(kind=UserKind.MEMBER, phone="+12065550144")
    MemberFactory(user=user, first_name="Pat")
    return user


@pytest.fixture
def mine(book, register, member_user):
    register(book, apn="45000.01", when=at(DAY, 9))  # someone ahead of me
    return register(book, member=member_user.member, when=at(DAY, 10))


def test_the_home_page_shows_my_book_apn_place_and_re_sign_date(client, member_user, mine):
    client.force_login(member_user)
    with time_machine.travel(at(DAY, 12), tick=False):
        page = client.get(reverse("portal:member-home")).content.decode()
    assert mine.book.name in page
    assert str(mine.apn) in page
    assert '<dt>Position on the book</dt><dd class="big">2</dd>' in page
    assert "Re-sign by" in page
    assert "0 of 2 allowed" in page
    assert "Re-signing opens" in page, "outside the window there is no button, just the date it opens"
    assert "Re-sign on" not in page


def test_a_member_re_signs_with_one_tap_inside_the_window(client, member_user, mine):
    client.force_login(member_user)
    with time_machine.travel(at(IN_WINDOW, 12), tick=False):
        page = client.get(reverse("portal:member-home")).content.decode()
        assert f"Re-sign on {mine.book.name}" in page
        response = client.post(reverse("portal:member-re-sign", args=[mine.pk]), follow=True)
    assert "Re-signed." in response.content.decode()
    mine.refresh_from_db()
    assert mine.re_sign_due == IN_WINDOW + datetime.timedelta(days=30)
    assert mine.activities.filter(action="re_sign", actor=member_user).exists()


def test_re_signing_outside_the_window_says_when_it_opens(client, member_user, mine):
    client.force_login(member_user)
    with time_machine.travel(at(DAY, 12), tick=False):
        response = client.post(reverse("portal:member-re-sign", args=[mine.pk]), follow=True)
    assert "Re-signing is open from" in response.content.decode()
    assert BookRegistration.objects.get(pk=mine.pk).re_sign_due == mine.re_sign_due


def test_htmx_re_sign_returns_just_the_book_card(client, member_user, mine):
    client.force_login(member_user)
    with time_machine.travel(at(IN_WINDOW, 12), tick=False):
        response = client.post(reverse("portal:member-re-sign", args=[mine.pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith("<article")
    assert "Re-signed." in page


def test_another_members_registration_cannot_be_re_signed(client, book, register, member_user, mine):
    other = register(book, when=at(DAY, 11))
    client.force_login(member_user)
    with time_machine.travel(at(IN_WINDOW, 12), tick=False):
        response = client.post(reverse("portal:member-re-sign", args=[other.pk]))
    assert response.status_code == 404
    assert BookRegistration.objects.get(pk=other.pk).re_sign_due == other.re_sign_due


def test_re_sign_needs_its_csrf_token(member_user, mine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member_user)
    with time_machine.travel(at(IN_WINDOW, 12), tick=False):
        assert client.post(reverse("portal:member-re-sign", args=[mine.pk])).status_code == 403
    assert BookRegistration.objects.get(pk=mine.pk).re_sign_due == mine.re_sign_due


def test_my_activity_lists_my_registrations_only(client, book, register, member_user, mine):
    register(book, when=at(DAY, 11))
    client.force_login(member_user)
    page = client.get(reverse("portal:member-activity")).content.decode()
    assert page.count("<tr><td") == 1
    assert "Registered" in page


@pytest.mark.parametrize("name", ["portal:member-home", "portal:member-activity"])
def test_anonymous_visitors_go_to_the_login_and_employers_are_refused(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    client.force_login(EmployerUserFactory().user)
    assert client.get(reverse(name)).status_code == 403


def test_a_member_account_without_a_member_record_is_refused(client):
    client.force_login(UserFactory(kind=UserKind.MEMBER))
    assert client.get(reverse("portal:member-home")).status_code == 403
