"""The cut-over benchmark (bench/laborpower_import.py) at a tiny size, in the test database: the
generated files import whole (registrations in LaborPower's order, with their activity rows),
the baseline copies as many rows, and the benchmark runs end to end. The figures themselves come
from `make bench NAME=laborpower_import`, never from the test suite."""

import pytest

from bench import laborpower_import as bench
from unioncore import laborpower

pytestmark = pytest.mark.django_db

SIZE = 400  # dispatches: 8 members, 3 employers, 40 registrations


def test_the_generated_files_are_valid_laborpower_exports(system_user):
    files = bench.make_files(SIZE)
    sizes = bench.Sizes.for_size(SIZE)
    for kind in bench.KINDS:
        report = laborpower.run(kind, files[kind], by=system_user)
        assert report.ok, (kind, report.errors[:3])
        assert report.created == getattr(sizes, kind), kind
    bench.check(files, sizes)


def test_the_baseline_copies_every_row_of_the_file():
    files = bench.make_files(SIZE)
    assert bench.copy_rows(files["dispatches"]) == SIZE


def test_a_baseline_that_copies_other_rows_than_the_import_fails():
    files = bench.make_files(SIZE)
    with pytest.raises(bench.harness.BenchmarkError, match="the baseline copied 400 rows"):
        bench.copy_rows(files["dispatches"], SIZE + 1)


def test_the_ledger_is_timed_but_not_in_the_issues_total():
    results = {r.name: r for r in bench.run(size=SIZE, repeat=1, warmup=0)}
    total = results["total (the four kinds of the issue)"]
    assert results["ledger"].rows == bench.Sizes.for_size(SIZE).ledger
    assert total.notes["total_s"] == pytest.approx(sum(results[k].measured_s for k in bench.ISSUE_KINDS), abs=0.01)


def test_the_benchmark_runs_end_to_end():
    results = bench.run(size=SIZE, repeat=1, warmup=0)
    assert [r.name for r in results] == [*bench.KINDS, "total (the four kinds of the issue)"]
    assert all(r.measured_s > 0 and r.baseline_s > 0 for r in results)
    assert results[-1].notes["target_s"] == bench.TARGET_TOTAL_S
