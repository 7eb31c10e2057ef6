"""`make bench` with no name runs every benchmark (issue #23, item 6): the registry is explicit,
every module in it is a benchmark, and every benchmark module of bench/ is in it."""

import importlib
import pkgutil

import pytest

from bench import __main__ as bench_main
from bench import harness

HELPERS = {"__main__", "harness", "settings", "api_urls"}  # bench/'s modules that are not benchmarks


def test_every_benchmark_module_is_registered_and_nothing_else():
    modules = {m.name for m in pkgutil.iter_modules([str(harness.BENCH_DIR)])} - HELPERS
    assert set(bench_main.BENCHMARKS) == modules
    for name in bench_main.BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        assert isinstance(module.DEFAULT_SIZE, int), name
        assert callable(module.run), name


@pytest.mark.django_db
def test_the_run_of_all_benchmarks_starts_every_one(monkeypatch, tmp_path):
    """The documented `make bench` (no NAME) reaches every benchmark. Each benchmark's own run()
    is replaced by a recorder: this checks the runner, not the figures (those are `make bench`)."""
    started = []
    monkeypatch.setattr(harness, "setup_django", lambda fresh=False: "the test database")
    monkeypatch.setattr(harness, "RESULTS_DIR", tmp_path)
    for name in bench_main.BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        monkeypatch.setattr(module, "run", lambda *, size, repeat, warmup, name=name: started.append(name) or [])

    assert bench_main.main(["--repeat", "1", "--warmup", "0"]) == 0
    assert started == list(bench_main.BENCHMARKS)
    assert {p.stem for p in tmp_path.glob("*.json")} == set(bench_main.BENCHMARKS)
