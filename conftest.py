"""Fixtures shared by every app's tests, and the test clock switch (UC_TEST_CLOCK)."""

import datetime
import os
import re

import pytest

# --- The test clock: run the whole suite on another day -----------------------------------
# UC_TEST_CLOCK=2027-12-05T10:00:00-08:00 (a moment with its UTC offset) or UC_TEST_CLOCK=+365d
# (today + n days) starts a session-wide time-machine travel there, ticking, before any test
# runs: every test that reads the real date without pinning its own time then sees that day
# (`make test-shifted`). A test's own time_machine.travel() nests inside it as usual.
# Only this Python process moves: PostgreSQL's now(), Redis and subprocesses (a Celery worker
# started by a test, Chromium) keep the real clock. No product code asks the database for the
# time (unioncore/tests/test_test_clock.py checks that); tests whose outcome hangs on another
# process's clock are marked `real_clock` and, with the browser tests, left out of a shifted run.
CLOCK_VARIABLE = "UC_TEST_CLOCK"
_traveller = None


def clock_destination(value: str, *, now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment UC_TEST_CLOCK names: an aware ISO moment, or '+Nd' days from now."""
    if shift := re.fullmatch(r"\+(\d+)d", value.strip()):
        return (now or datetime.datetime.now(datetime.UTC)) + datetime.timedelta(days=int(shift[1]))
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(
            f"{CLOCK_VARIABLE}={value!r}: give a moment with its UTC offset "
            "(2027-12-31T23:30:00-08:00) or a shift in days (+365d)."
        )
    return moment


def pytest_configure(config):
    global _traveller
    config.addinivalue_line("markers", "real_clock: needs the real clock (another process's); not run shifted")
    config.addinivalue_line(
        "markers",
        "postgresql_only(reason=...): tests what only PostgreSQL has (triggers, roles, COPY, races between "
        "connections); skipped, with its reason, by the SQLite job (decision 0046)",
    )
    value = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not value:
        return
    import time_machine

    destination = clock_destination(value)
    config.test_clock = destination
    # A fixed UTC offset, never a zone name: time-machine would also set TZ for the session.
    offset = destination.utcoffset()
    _traveller = time_machine.travel(destination.astimezone(datetime.timezone(offset)), tick=True)
    _traveller.start()


def pytest_unconfigure(config):
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


def pytest_report_header(config):
    destination = getattr(config, "test_clock", None)
    if destination is not None:
        return f"test clock: moved to {destination.isoformat()} ({CLOCK_VARIABLE})"
    return None


def _other_process(item) -> bool:
    """A test that hangs on another process: Chromium (a browser test), gunicorn or a Celery worker."""
    return bool(item.get_closest_marker("real_clock")) or "browser" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    shifted = getattr(config, "test_clock", None) is not None
    on_sqlite = connection.vendor == "sqlite"
    kept, deselected = [], []
    for item in items:
        # The shifted run: a browser test is half Chromium, whose JavaScript clock (Date.now) is
        # the real one. The SQLite job (decision 0046): what the embedded database of `make run`
        # serves, through the test client — the pages are the same ones the PostgreSQL run's
        # browsers saw, and another process cannot share SQLite's in-memory test database.
        if (shifted or on_sqlite) and _other_process(item):
            deselected.append(item)
            continue
        marker = item.get_closest_marker("postgresql_only")
        if on_sqlite and marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL only: {marker.kwargs.get('reason', marker.args)}"))
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _copies_a_template(config) -> bool:
    """A pytest-xdist run whose workers copy one migrated template database (decision 0065)."""
    from unioncore.tests import template_database

    return (
        hasattr(config, "workerinput")
        and not config.getvalue("reuse_db")
        and not config.getvalue("nomigrations")
        and template_database.can_copy("default")
    )


def pytest_sessionfinish(session):
    """Every worker says it is done; the last one drops the run's template (decision 0065)."""
    if _copies_a_template(session.config):
        from pytest_django.plugin import blocking_manager_key

        from unioncore.tests import template_database

        worker = session.config.workerinput
        with session.config.stash[blocking_manager_key].unblock():
            template_database.worker_finished(alias="default", run=worker["testrunuid"], workers=worker["workercount"])


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's, except that in pytest-xdist workers the run migrates one template database
    and each worker takes a copy of it (decision 0065: unioncore/tests/template_database.py)."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from unioncore.tests import template_database

    keepdb = django_db_keepdb and not django_db_createdb
    if not django_db_use_migrations:
        _disable_migrations()
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    worker = getattr(request.config, "workerinput", None)
    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        if (
            worker
            # A worker that replaces a crashed one (gw2 of two) migrates its own, as before.
            and int(worker["workerid"].removeprefix("gw")) < worker["workercount"]
            and aliases == {"default"}
            and _copies_a_template(request.config)
        ):
            db_cfg = template_database.setup_worker_database(
                alias="default", run=worker["testrunuid"], verbosity=verbosity
            )
            for connection, _, _ in db_cfg:
                if connection.alias in serialized_aliases:
                    connection._test_serialized_contents = connection.creation.serialize_db_to_string()
        else:
            db_cfg = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
    yield
    if not keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:  # as pytest-django: a warning (a session still open), the next run drops it
                request.node.warn(pytest.PytestWarning(f"Error when trying to teardown test databases: {exc!r}"))


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
    """The SMS sent (the in-memory backend of unioncore.notifications.sms), empty at the start,
    failures off; emptied again at the end. `pytest.mark.usefixtures("sms_outbox")` for a whole module."""
    from unioncore.notifications import sms

    sms.reset()
    yield sms.outbox
    sms.reset()


@pytest.fixture
def tasks_at_once():
    """Celery tasks run inside `.delay()`, as the worker would run them (a sign-in link request
    is handed to the worker: unioncore.tasks.send_login_link; a test then reads the text)."""
    from unioncore.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


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
    """A fresh phone-sized page; `page.goto(url("/portal/"))` with `page.base_url`. Fails the
    test if the page's Content-Security-Policy refused anything."""
    from unioncore.tests.accessibility import Gate

    context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # Every browser test is also a test of the Content-Security-Policy (issue 20): a script, style
    # or request the policy refuses is reported on the console, and fails the test.
    refused = []
    tab.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    # And of accessibility (issue 25): each portal page state is scanned by axe-core and, on a
    # member's or supervisor's page, for tap targets under 44 px (unioncore/tests/accessibility.py).
    gate = Gate(tab, live_server.url)
    tab.on("load", lambda _tab: gate.scan())
    yield tab
    if not tab.is_closed():
        gate.scan()
    context.close()
    assert not refused, "the Content-Security-Policy refused: " + " | ".join(refused)
    assert not gate.findings, gate.report()


@pytest.fixture
def artifacts_dir():
    """Where browser tests save screenshots (kept by CI as test artifacts; gitignored)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / "var" / "test-artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
