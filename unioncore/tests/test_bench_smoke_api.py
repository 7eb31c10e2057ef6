"""The API benchmark (bench/api_throughput.py) at a tiny size, in the test database (committed:
gunicorn is another process): the server starts on the benchmark's settings, the API's page and
the bare view's hold the same rows, every clock-in of every round opens exactly one shift, and
the four figures come out. The figures themselves come from `make bench`, never from here."""

import pytest

from bench import api_throughput as bench
from bench import harness
from fulfillment.models import TimeLog

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]


@pytest.mark.real_clock  # data made on a shifted clock, gunicorn (another process) answers on the real one
def test_the_benchmark_runs_end_to_end_at_a_tiny_size():
    results = bench.run(size=60, repeat=1, warmup=1, clients=2, list_requests=3, clock_ins=2,
                        workers=1, threads=2, pace=0.05, paced_requests=2, separate_database=False)  # fmt: skip
    cases = ("list", "list_p99", "list_p99_paced", "clock_in", "clock_in_p99", "clock_in_p99_paced")
    assert [r.name for r in results] == [f"{bench.NAME}_{case}" for case in cases]
    list_, list_p99, list_paced, clock_in, clock_in_p99, clock_in_paced = results
    assert list_.notes["requests_per_round"] == 2 * 3
    assert clock_in.notes["requests_per_round"] == 2 * 2
    assert min(list_.measured_s, list_.baseline_s, clock_in.measured_s) > 0
    assert list_p99.baseline_s == clock_in_p99.baseline_s == list_paced.baseline_s == bench.TARGET_P99
    assert (list_paced.notes["requests"], clock_in_paced.notes["requests"]) == (2 * 2, 2 * 2)
    assert all(("PASS" in r.line()) != ("FAIL" in r.line()) for r in results)
    assert "req/s" in list_.line()
    assert "p99" in list_p99.line()
    # The saturated p99s are printed with their literal verdict but not judged (decision 0024).
    assert [r.name for r in results if not r.judged] == [list_p99.name, clock_in_p99.name]
    assert "not judged" in clock_in_p99.line()
    assert "not judged" not in clock_in_paced.line()
    # Three passes (warm-up, timed, paced), 4 members: each clocked in three times, every shift closed.
    assert TimeLog.objects.filter(status="pending_verification", clock_out_at__isnull=False).count() == 3 * 4


def test_a_clock_in_that_did_not_happen_fails_the_benchmark():
    world = bench.make_world(rows=3, writers=2)
    with pytest.raises(harness.BenchmarkError, match="clocked in 1 times"):
        bench.check_clock_ins(world, 1)


def test_an_answer_other_than_the_expected_one_fails_the_benchmark():
    world = bench.make_world(rows=3, writers=1)
    world.reader_token = "not-a-token"
    with bench.server(workers=1, threads=1) as port:
        load = bench.hammer(port, bench.list_plans(world, clients=1, requests=2, bare=False))
        assert load.unexpected == {(401, bench.LIST_PATH): 2}
        with pytest.raises(harness.BenchmarkError, match="401"):
            bench.check_same_rows(port, world)
