"""In Chromium at phone width: a member signs in by the link texted to them and re-signs."""

import datetime

import pytest
from django.utils import timezone

from members.tests.factories import MemberFactory
from referral.models import BookRegistration
from unioncore.models import UserKind
from unioncore.notifications import sms
from unioncore.portal.testing import deliver_pending, texted_sign_in_path
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = "+12065550188"


def test_a_member_signs_in_by_magic_link_and_re_signs(page, book, register, tasks_at_once):
    sms.reset()
    user = UserFactory(kind=UserKind.MEMBER, phone=PHONE)
    member = MemberFactory(user=user, first_name="Robin")
    # Registered 25 days ago: the 30-day re-sign is due in 5 days, inside its 7-day window.
    registration = register(book, member=member, when=timezone.now() - datetime.timedelta(days=25))
    due = registration.re_sign_due

    page.goto("/portal/login/")
    page.get_by_role("link", name="Text me a sign-in link").click()
    page.get_by_label("Phone number").fill("(206) 555-0188")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("heading", name="Check your phone").wait_for()

    deliver_pending()
    path = texted_sign_in_path(PHONE)
    assert path, f"no sign-in link texted: {sms.outbox}"
    page.goto(path)
    page.get_by_role("button", name="Sign me in").click()
    page.get_by_role("heading", name="Hello, Robin").wait_for()
    card = page.locator(f"#book-{registration.pk}")
    assert str(registration.apn) in card.inner_text()

    card.get_by_role("button", name=f"Re-sign on {book.name}").click()
    card.get_by_text("Re-signed. Your place on the book is kept.").wait_for()
    assert page.locator("#live").inner_text() == "Re-signed. Your place on the book is kept.", "and read out"
    assert BookRegistration.objects.get(pk=registration.pk).re_sign_due > due

    page.goto(path)  # the link worked once
    page.get_by_role("button", name="Sign me in").click()
    page.get_by_text("expired or was already used").wait_for()
    sms.reset()
