"""The sweep benchmark (bench/fulfillment_sweep.py) at a tiny size, in the test database: its
data gives due rows that one sweep approves as the rules say, in as many queries among few rows
as among more, and the benchmark runs end to end. The figures themselves come from
`make bench`, never from the test suite."""

import pytest

from bench import fulfillment_sweep as bench
from bench import harness
from fulfillment.enums import TIMED_STATUSES, TimeLogStatus
from fulfillment.models import TimeLog

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]

DUE, SMALL, BIG = 12, 40, 120


@pytest.fixture
def world():
    world = bench.make_world(dispatches=4)
    bench.add_due(world, DUE)
    bench.add_history(world, SMALL - DUE)
    return world


def test_the_data_has_the_due_rows_among_verified_history_and_running_timers(world):
    due = TimeLog.objects.filter(auto_approval_time__lte=world.now, status__in=TIMED_STATUSES)
    assert due.count() == DUE
    assert TimeLog.objects.count() == SMALL
    assert TimeLog.objects.filter(status=TimeLogStatus.VERIFIED).count() > SMALL // 2
    assert TimeLog.objects.filter(status=TimeLogStatus.PENDING_WORKER_REVIEW).exists()


def test_one_sweep_approves_every_due_row_as_the_rules_say_in_both_cases(world):
    bench.copy_small_case()
    bench.add_history(world, BIG - SMALL)
    small = bench.check(world, bench.SMALL_CASE)
    big = bench.check(world, None)
    bench.use_case(None)
    assert small["queries"] == big["queries"], f"{small['queries']} queries among {SMALL}, {big['queries']} among {BIG}"
    assert TimeLog.objects.filter(status=TimeLogStatus.VERIFIED, verified_at=world.now).count() == 0  # rolled back


def test_a_wrong_approval_fails_the_benchmark(world, monkeypatch):
    monkeypatch.setattr(bench, "AUTO_APPROVED", "Approved by magic")
    with pytest.raises(harness.BenchmarkError, match="history rows"):
        bench.check(world, None)


def test_the_benchmark_runs_end_to_end_at_a_tiny_size():
    scale, rate, floor = bench.run(size=BIG, small=SMALL, due=DUE, repeat=2, warmup=1, dispatches=4)
    assert (scale.name, rate.name, floor.name) == (f"{bench.NAME}_scale", f"{bench.NAME}_rate", f"{bench.NAME}_floor")
    assert (scale.notes["rows_small"], scale.notes["rows_big"]) == (SMALL, BIG)
    assert min(scale.measured_s, scale.baseline_s, floor.baseline_s) > 0
    assert rate.baseline_s == DUE / bench.TARGET_RATE
    assert all(("PASS" in r.line()) != ("FAIL" in r.line()) for r in (scale, rate, floor))
    assert "approvals/s" in rate.line()
    # The literal rate is judged unless the rows alone already take longer than its budget.
    assert rate.notes["floor_ms"] == round(floor.baseline_s * 1000, 3)
    assert rate.judged == (floor.baseline_s < rate.baseline_s)
    assert not floor.judged
    assert floor.measured == rate.measured


def test_the_floor_writes_the_rows_a_sweep_writes_and_nothing_else(world):
    """The floor is what PostgreSQL needs for the sweep's rows alone: as many time-log versions and
    history rows as due rows, a message each to the worker and one to each dispatch's site contact
    (decision 0064), with their history, in the bare tables only."""
    from django.db import connection

    from unioncore.notifications.models import Notification

    bench.make_floor()
    before = (TimeLog.objects.count(), TimeLog.history.count(), Notification.objects.count())
    bench.floor_writes(world)
    counts = []
    with connection.cursor() as cursor:
        for model in bench.FLOOR_TABLES:
            cursor.execute(f'SELECT count(*) FROM {bench.FLOOR}."{model._meta.db_table}"')
            counts.append(cursor.fetchone()[0])
    messages = DUE + 4  # the workers', and one for each of the four crews
    assert counts == [DUE, DUE, messages, messages]
    assert (TimeLog.objects.count(), TimeLog.history.count(), Notification.objects.count()) == before
