"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _empty_the_test_broker():
    """Transactional tests enqueue real tasks on commit (notifications); leave Redis clean."""
    yield
    from unioncore.celery import app

    app.control.purge()


@pytest.fixture
def system_user(db):
    from unioncore.audit import system_user

    return system_user()


@pytest.fixture
def dispatcher(db):
    from unioncore.tests.factories import StaffFactory

    return StaffFactory(groups=["dispatcher"])


@pytest.fixture
def officer(db):
    from unioncore.tests.factories import StaffFactory

    return StaffFactory(groups=["officer"])


@pytest.fixture
def sms_outbox():
    """The SMS sent (fulfillment.sms's in-memory backend), empty at the start, failures off;
    emptied again at the end. `pytest.mark.usefixtures("sms_outbox")` for a whole module."""
    from fulfillment import sms

    sms.reset()
    yield sms.outbox
    sms.reset()


@pytest.fixture
def book(db):
    from referral.models import ReferralBook

    return ReferralBook.objects.get(code="WIRE_SEA_1")


@pytest.fixture
def register(dispatcher):
    """register(book, member=None, when=None, apn=None): a member on a book, through the service."""
    from members.tests.factories import MemberFactory
    from referral import services

    def _register(book, member=None, when=None, apn=None):
        member = member or MemberFactory()
        return services.registration_register(
            member_id=member.pk, book_id=book.pk, by=dispatcher, registered_at=when, apn=apn
        )

    return _register


# --- Browser tests: Playwright driving Debian's Chromium against the live server -------------

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 780}  # the narrowest phone the portal is built for


@pytest.fixture
def browser():
    """A headless Chromium (Debian's, installed by .ci/run), started and stopped per test.

    Playwright's sync API runs an event loop in this thread for as long as it is started. Django
    refuses ORM calls where a loop runs (unless told it is safe), and asgiref then keeps Django's
    connections per context: a session-long Playwright would change how every later test talks to
    the database (serialized_rollback restores nothing, books vanish). So it lives only as long as
    the one browser test that needs it, and the "unsafe" switch with it."""
    import os

    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized page; `page.goto(url("/portal/"))` with `page.base_url`."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def artifacts_dir():
    """Where browser tests save screenshots (kept by CI as test artifacts; gitignored)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / "var" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
