"""Portal sign-in: password (username or phone), the account lock, magic links, sign-out, and
where each kind of user lands."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from dispatch.tests.factories import EmployerUserFactory
from members.tests.factories import MemberFactory
from unioncore import services
from unioncore.models import LoginLink, UserKind
from unioncore.notifications import sms
from unioncore.portal.testing import deliver_pending, sign_in_path, texted_sign_in_path
from unioncore.tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
PHONE = "+12065550177"


@pytest.fixture(autouse=True)
def fresh_counts(fresh_throttles, tasks_at_once):
    """The per-address count of links sent lives in Redis: each test starts at zero."""


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.reset()
    yield sms.outbox
    sms.reset()


@pytest.fixture
def member_user():
    user = UserFactory(username="0012345", kind=UserKind.MEMBER, phone=PHONE, email="pat@example.org")
    MemberFactory(user=user)
    return user


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def post_login(client, identifier, password=PASSWORD, **extra):
    return client.post(reverse("portal:login"), {"identifier": identifier, "password": password, **extra})


# --- Password ---


def test_the_login_page_has_labelled_fields_and_a_link_to_the_text_message_login(client):
    page = client.get(reverse("portal:login")).content.decode()
    assert '<label for="id_identifier">Phone number or username' in page
    assert '<label for="id_password">Password' in page
    assert reverse("portal:login-link") in page


@pytest.mark.parametrize("identifier", ["0012345", "206-555-0177", "(206) 555 0177", "+1 206 555 0177"])
def test_a_member_signs_in_by_username_or_phone_in_any_usual_writing(client, member_user, identifier):
    response = post_login(client, identifier)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    assert signed_in_user_id(client) == str(member_user.pk)


def test_a_wrong_password_is_shown_on_the_form_and_signs_no_one_in(client, member_user):
    response = post_login(client, "0012345", "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_an_empty_form_shows_each_missing_field_in_place(client):
    page = client.post(reverse("portal:login"), {"identifier": "", "password": ""}).content.decode()
    for field in ("identifier", "password"):  # in place, and in the summary at the top (issue 25)
        assert f'<ul class="errorlist" id="id_{field}_error"><li>This field is required.</li></ul>' in page
        assert re.search(f'aria-describedby="[^"]*id_{field}_error"', page), "the input names its error"
    assert page.count("This field is required.") == 4
    assert 'aria-invalid="true"' in page


def test_five_failures_through_the_portal_lock_the_account_and_the_right_password_is_refused(client, member_user):
    with time_machine.travel(NOON, tick=False):
        for _ in range(5):
            post_login(client, "206-555-0177", "wrong")
        response = post_login(client, "0012345")
        assert signed_in_user_id(client) is None  # on that day: a later day's expiry would hide a session
    member_user.refresh_from_db()
    assert member_user.locked_until == NOON + timedelta(minutes=15)
    assert services.login_refused_message() in response.content.decode(), "the words of a wrong password"


def test_the_next_page_is_honoured_only_on_this_site(client, member_user):
    response = post_login(client, "0012345", next="/portal/me/")
    assert response["Location"] == "/portal/me/"
    client.logout()
    response = post_login(client, "0012345", next="https://evil.example/steal")
    assert response["Location"] == reverse("portal:home")


def test_the_login_form_needs_its_csrf_token(member_user):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, "0012345")
    assert response.status_code == 403
    assert signed_in_user_id(client) is None
    page = client.get(reverse("portal:login"))
    token = page.cookies["csrftoken"].value
    response = post_login(client, "0012345", csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(member_user.pk)


def test_sign_out_is_a_post_and_ends_the_session(client, member_user):
    client.force_login(member_user)
    assert client.get(reverse("portal:logout")).status_code == 405
    assert signed_in_user_id(client) is not None
    response = client.post(reverse("portal:logout"), follow=True)
    assert signed_in_user_id(client) is None
    assert "You are signed out." in response.content.decode()


# --- Where each kind lands ---


def test_home_sends_a_member_to_the_member_pages(client, member_user):
    client.force_login(member_user)
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:member-home")


def test_home_sends_an_employer_user_to_the_supervisor_pages(client):
    supervisor = EmployerUserFactory().user
    client.force_login(supervisor)
    location = client.get(reverse("portal:home"))["Location"]
    assert location == reverse("portal:supervisor-list")


def test_home_sends_staff_to_the_console(client):
    client.force_login(StaffFactory())
    assert client.get(reverse("portal:home"))["Location"] == reverse("admin:index")


def test_home_sends_an_anonymous_visitor_to_the_login(client):
    response = client.get(reverse("portal:home"))
    assert response["Location"].startswith(reverse("portal:login") + "?next=")


def test_the_site_root_opens_the_portal_home_for_everyone(client, member_user):
    # The address people type or bookmark: staff, members and supervisors all start there.
    assert client.get("/")["Location"] == reverse("portal:home")
    client.force_login(member_user)
    assert client.get("/", follow=True).redirect_chain[-1][0] == reverse("portal:member-home")


def test_an_employer_user_is_refused_the_member_pages(client):
    client.force_login(EmployerUserFactory().user)
    response = client.get(reverse("portal:member-home"))
    assert response.status_code == 403
    assert "This page is for members" in response.content.decode()


def test_the_layout_has_a_skip_link_and_a_viewport_for_phones(client, member_user):
    client.force_login(member_user)
    page = client.get(reverse("portal:member-home")).content.decode()
    assert 'href="#main"' in page
    assert 'id="main"' in page
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert "htmx-2.0.11.min.js" in page


# --- Magic links ---


def ask_for_link(client, identifier=PHONE):
    return client.post(reverse("portal:login-link"), {"identifier": identifier})


def test_a_member_asks_for_a_link_and_gets_it_by_text_and_email(client, member_user, sms_outbox):
    response = ask_for_link(client, "206-555-0177")
    assert response["Location"] == reverse("portal:login-link-sent")
    deliver_pending()
    path = texted_sign_in_path(PHONE)
    assert path.startswith("/portal/login/link/")
    assert [m.to for m in mail.outbox] == [["pat@example.org"]]
    assert sign_in_path(mail.outbox[0].body) == path


def test_the_link_is_stored_only_as_a_digest(client, member_user):
    ask_for_link(client)
    deliver_pending()
    token = texted_sign_in_path(PHONE).rstrip("/").rsplit("/", 1)[1]
    link = LoginLink.objects.get(user=member_user)
    assert token not in link.token_hash
    assert link.token_hash == services.login_link_digest(token)


def test_an_unknown_number_gets_the_same_answer_and_no_message(client, member_user, sms_outbox):
    known = ask_for_link(client, PHONE)
    unknown = ask_for_link(client, "206-555-0199")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    deliver_pending()
    assert [m.to for m in sms_outbox] == [PHONE]


def test_opening_the_link_signs_in_only_after_the_button_and_only_once(client, member_user):
    ask_for_link(client)
    deliver_pending()
    path = texted_sign_in_path(PHONE)
    page = client.get(path)
    assert page.status_code == 200
    assert "Sign me in" in page.content.decode()
    assert signed_in_user_id(client) is None, "a link preview (GET) spends nothing"
    response = client.post(path)
    assert response["Location"] == reverse("portal:member-home")
    assert signed_in_user_id(client) == str(member_user.pk)
    other = Client()
    again = other.post(path)
    assert again.status_code == 400
    assert "expired or was already used" in again.content.decode()
    assert signed_in_user_id(other) is None


def test_a_link_expires_after_fifteen_minutes(client, member_user):
    with time_machine.travel(NOON, tick=False) as clock:
        ask_for_link(client)
        deliver_pending()
        path = texted_sign_in_path(PHONE)
        clock.shift(timedelta(minutes=15, seconds=1))
        response = client.post(path)
        assert response.status_code == 400
        assert signed_in_user_id(client) is None


def test_a_link_works_just_inside_its_fifteen_minutes(client, member_user):
    with time_machine.travel(NOON, tick=False) as clock:
        ask_for_link(client)
        deliver_pending()
        path = texted_sign_in_path(PHONE)
        clock.shift(timedelta(minutes=14, seconds=59))
        response = client.post(path)
        assert response.status_code == 302
        assert signed_in_user_id(client) == str(member_user.pk)  # on that day: the session lasts two weeks


def test_a_locked_account_gets_no_session_from_its_link(client, member_user):
    with time_machine.travel(NOON, tick=False):
        ask_for_link(client)
        deliver_pending()
        path = texted_sign_in_path(PHONE)
        for _ in range(5):
            post_login(Client(), PHONE, "wrong")
        response = client.post(path)
        assert response.status_code == 400
        assert "locked after too many failed logins" in response.content.decode()
        assert signed_in_user_id(client) is None


def test_a_locked_account_is_sent_no_link(client, member_user, sms_outbox):
    member_user.locked_until = NOON + timedelta(minutes=10)
    member_user.save()
    with time_machine.travel(NOON, tick=False):
        response = ask_for_link(client)
    assert response["Location"] == reverse("portal:login-link-sent")
    assert not LoginLink.objects.exists()


def test_using_one_link_spends_the_others(client, member_user):
    ask_for_link(client)
    ask_for_link(client)
    deliver_pending()
    first, second = [sign_in_path(m.body) for m in sms.outbox]
    assert first != second
    assert client.post(second).status_code == 302
    assert Client().post(first).status_code == 400


def test_a_stranger_cannot_flood_a_phone_with_links(client, member_user, sms_outbox):
    for _ in range(6):
        ask_for_link(client)
    deliver_pending()
    assert len(sms_outbox) == services.LOGIN_LINKS_PER_WINDOW


def test_a_made_up_link_is_refused_without_an_error(client):
    response = client.post("/portal/login/link/not-a-real-token/")
    assert response.status_code == 400
    assert client.get("/portal/login/link/%00%ff/").status_code in (200, 404)


def test_a_link_without_the_csrf_token_is_refused(member_user):
    client = Client(enforce_csrf_checks=True)
    services.login_link_send(identifier=PHONE)
    deliver_pending()
    path = texted_sign_in_path(PHONE)
    assert client.post(path).status_code == 403
    assert signed_in_user_id(client) is None
