"""The test clock switch (UC_TEST_CLOCK, root conftest.py): it really moves the clock, and what it
cannot move (PostgreSQL's own clock) no product code reads.

`make test-shifted` runs the suite with the switch on; a switch that silently did nothing would
let every date-dependent test pass on today's date, so these tests fail in that case."""

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from conftest import CLOCK_VARIABLE, clock_destination

ROOT = Path(__file__).resolve().parents[2]
APPS = ("unioncore", "members", "referral", "dispatch", "fulfillment", "reports")
# A run of the suite takes minutes; an hour of ticking leaves room for a slow machine.
RUN = datetime.timedelta(hours=1)


@pytest.fixture
def real_now(tmp_path):
    """The real time, from the kernel (a new file's mtime), which no switch of this process moves."""
    probe = tmp_path / "now"
    probe.write_text("")
    return datetime.datetime.fromtimestamp(probe.stat().st_mtime, datetime.UTC)


def switch(real_now):
    """The moment the switch names, read straight from the environment: a conftest that ignored
    the variable fails the tests below."""
    value = os.environ.get(CLOCK_VARIABLE, "").strip()
    return clock_destination(value, now=real_now) if value else None


def test_the_python_clock_follows_the_switch(real_now):
    destination, now = switch(real_now), timezone.now()
    if destination is None:
        assert abs(now - real_now) < datetime.timedelta(minutes=5), "no switch, yet the clock is moved"
        return
    assert destination - datetime.timedelta(minutes=5) <= now <= destination + RUN, (now, destination)
    assert datetime.datetime.now(datetime.UTC) - now < datetime.timedelta(seconds=5)
    if abs(destination - real_now) > 2 * RUN:
        assert abs(now - real_now) > RUN, "the switch is on, yet the clock shows the real time"


@pytest.mark.django_db
@pytest.mark.postgresql_only(reason="reads PostgreSQL's now()")
def test_the_database_clock_is_not_moved(real_now):
    """PostgreSQL is another process: its now() stays the real time whatever the switch says."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        database_now = cursor.fetchone()[0]
    assert abs(database_now - real_now) < datetime.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2031-01-01T07:59:00-08:00", "2031-01-01 15:59:00+00:00"),
        ("2027-12-31T23:30:00-08:00", "2028-01-01 07:30:00+00:00"),
    ],
)
def test_a_moment_keeps_its_utc_offset(value, expected):
    assert str(clock_destination(value).astimezone(datetime.UTC)) == expected


@pytest.mark.parametrize("value", ["2027-12-05", "2027-12-05T10:00:00", "tomorrow", "+1y", "365d"])
def test_a_moment_without_an_offset_or_a_shift_of_other_units_is_refused(value):
    with pytest.raises(pytest.UsageError, match=CLOCK_VARIABLE):
        clock_destination(value)


def test_a_shift_in_days_counts_from_the_real_now():
    moved = clock_destination("+365d")
    assert abs(moved - timezone.now() - datetime.timedelta(days=365)) < datetime.timedelta(seconds=5)


def test_a_run_with_the_switch_on_sees_the_moved_day_and_leaves_out_the_real_clock_tests():
    """The switch end to end, in a pytest of its own (no database needed for these tests)."""
    env = {**os.environ, CLOCK_VARIABLE: "2031-01-01T07:59:00-08:00"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=",
         f"{Path(__file__).relative_to(ROOT)}::test_the_python_clock_follows_the_switch",
         "unioncore/tests/test_reliability_sync.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "test clock: moved to 2031-01-01T07:59:00-08:00" in result.stdout
    assert re.search(r"1 passed, 2 deselected", result.stdout), result.stdout


def test_a_bad_switch_stops_the_run_before_any_test():
    env = {**os.environ, CLOCK_VARIABLE: "next tuesday"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--collect-only",
         "unioncore/tests/test_test_clock.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout + result.stderr
    assert CLOCK_VARIABLE in result.stderr


# --- What the switch cannot move: the database's own clock ---------------------------------

# SQL that reads PostgreSQL's clock, and Django's expressions for it. Python's timezone.now() is
# `.now()` (a method), never matched.
DATABASE_CLOCK = re.compile(
    r"(?<![\w.])now\(\)|\bCURRENT_(DATE|TIME|TIMESTAMP)\b|\bLOCALTIME(STAMP)?\b"
    r"|\b(transaction|statement|clock)_timestamp\(|\btimeofday\(|\bNow\(\)|\bTransactionNow\("
)


def test_no_product_code_asks_the_database_for_the_time():
    """Every 'now' of the product is Python's (moved by the switch), so a shifted run tests it.
    If this fails, that code's date logic escapes `make test-shifted`: take the time from
    django.utils.timezone.now() and pass it to the query instead."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if DATABASE_CLOCK.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "cursor.execute('UPDATE t SET at = now()')",
        "WHERE day < CURRENT_DATE",
        "qs.update(at=Now())",
        "SELECT clock_timestamp()",
    ],
)
def test_the_database_clock_check_sees_each_way_of_asking(line):
    assert DATABASE_CLOCK.search(line)


@pytest.mark.parametrize("line", ["now = timezone.now()", "at = at or _now()", "current_date = today"])
def test_the_database_clock_check_leaves_python_alone(line):
    assert not DATABASE_CLOCK.search(line)
