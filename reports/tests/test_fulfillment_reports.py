"""The two time-log reports, on time logs as they stand (rows written as the services leave them).

Alpha Electric (wage 60.00):
  Mon 30 Nov  verified 8 h          $480.00
  Tue 1 Dec   verified 8 h          $480.00  — replaced by a verified correction: 9 h, $540.00
  Mon 7 Dec   on shift (working)
Beta Builders:
  Mon 23 Nov  verified 5 h          $300.00
  Wed 2 Dec   disputed
  Thu 3 Dec   waiting for the supervisor
"""

import datetime
from decimal import Decimal

import pytest

from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.models import TimeLog
from fulfillment.tests.factories import WorkerFactory, on_the_job
from reports import framework
from reports.tests.conftest import MONDAY
from reports.tests.test_referral_reports import col, run
from unioncore.testing import at

pytestmark = pytest.mark.django_db
D = datetime.date


def shift(dispatch, day, *, status, minutes=None, amount=None, correction_of=None):
    start = at(day, 7)
    end = start + datetime.timedelta(minutes=(minutes or 480) + 30)
    verified = status == "verified"
    return TimeLog.objects.create(
        dispatch=dispatch, worker=dispatch.member.user, status=status, clock_in_at=start,
        clock_out_at=None if status == "working" else end,
        worker_clock_in=start, worker_clock_out=end, worker_lunch_minutes=30,
        final_clock_in=start if verified else None, final_clock_out=end if verified else None,
        final_lunch_minutes=30 if verified else None, billable_minutes=minutes if verified else None,
        amount=Decimal(amount) if amount else None, funds_state="released" if verified else "held",
        correction_of=correction_of, verified_at=end if verified else None,
    )  # fmt: skip


@pytest.fixture
def logs(dispatcher, clock):
    alpha, beta = EmployerFactory(name="Alpha Electric"), EmployerFactory(name="Beta Builders")
    for employer in (alpha, beta):
        EmployerUserFactory(employer=employer)
    on_alpha = on_the_job(worker=WorkerFactory(), employer=alpha, by=dispatcher, day=MONDAY)
    on_beta = on_the_job(worker=WorkerFactory(), employer=beta, by=dispatcher, day=MONDAY)
    shift(on_alpha, D(2026, 11, 30), status="verified", minutes=480, amount="480.00")
    original = shift(on_alpha, D(2026, 12, 1), status="verified", minutes=480, amount="480.00")
    shift(on_alpha, D(2026, 12, 1), status="verified", minutes=540, amount="540.00", correction_of=original)
    shift(on_alpha, MONDAY, status="working")
    shift(on_beta, D(2026, 11, 23), status="verified", minutes=300, amount="300.00")
    shift(on_beta, D(2026, 12, 2), status="disputed")
    shift(on_beta, D(2026, 12, 3), status="pending_verification")
    return {"alpha": alpha, "beta": beta}


def test_verification_status_counts_each_employer_s_time_logs_by_where_they_stand(logs):
    rows, totals, _ = run("time-log-verification-status", date_from=D(2026, 11, 20), date_to=MONDAY)
    assert [(r["dispatch__employer__name"], r["open"], r["pending"], r["verified"], r["disputed"], r["logs"])
            for r in rows] == [("Alpha Electric", 1, 0, 3, 0, 4), ("Beta Builders", 0, 1, 1, 1, 3)]  # fmt: skip
    assert totals == {"open": 1, "pending": 1, "verified": 4, "disputed": 1, "logs": 7}


def test_verification_status_of_one_week(logs):
    rows, totals, _ = run("time-log-verification-status", date_from=D(2026, 11, 30), date_to=D(2026, 12, 6))
    assert col(rows, "logs") == [3, 2]
    assert totals["verified"] == 3


def test_verified_hours_and_funds_by_employer_and_iso_week_count_a_correction_once(logs):
    rows, totals, _ = run("verified-hours-and-funds", date_from=D(2026, 11, 16), date_to=MONDAY)
    assert [(r["dispatch__employer__name"], r["iso_week"], r["week"], r["logs"], r["hours"], r["funds"])
            for r in rows] == [
        ("Alpha Electric", "2026-W49", D(2026, 11, 30), 2, Decimal("17.00"), Decimal("1020.00")),
        ("Beta Builders", "2026-W48", D(2026, 11, 23), 1, Decimal("5.00"), Decimal("300.00")),
    ]  # fmt: skip
    assert totals == {"logs": 3, "hours": Decimal("22.00"), "funds": Decimal("1320.00")}


def test_verified_hours_subtotal_each_employer(logs):
    report = framework.get("verified-hours-and-funds")
    form = report.form({"date_from": "2026-11-16", "date_to": "2026-12-07"})
    assert form.is_valid()
    subtotals = {i[1]: i[2].sums for i in report.layout(report.rows(form.cleaned_data)) if i[0] == "subtotal"}
    assert subtotals["Alpha Electric"]["funds"] == Decimal("1020.00")
    assert subtotals["Beta Builders"]["hours"] == Decimal("5.00")
