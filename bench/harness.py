"""Timing, comparison against a baseline, the results file, and the benchmark database.

Nothing here touches Django until `setup_django()` is called, so the test suite can import it.
"""

import gc
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/unioncore_bench"
DEFAULT_SETTINGS = "unioncore.settings.test"


class BenchmarkError(AssertionError):
    """The code under test gave a wrong answer, or took more queries than it promises."""


@dataclass
class Result:
    """One measured path against its baseline, both timed in the same process."""

    name: str
    measured: list[float]  # seconds, one per timed run
    baseline: list[float]
    target_ratio: float
    rows: int | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    # False for a literal target read otherwise (decision 0024): its verdict is printed and
    # kept in the JSON, and does not fail the run.
    judged: bool = True

    @property
    def measured_s(self) -> float:
        return statistics.median(self.measured)

    @property
    def baseline_s(self) -> float:
        return statistics.median(self.baseline)

    @property
    def ratio(self) -> float:
        return self.measured_s / self.baseline_s

    @property
    def passed(self) -> bool:
        return self.ratio <= self.target_ratio

    @property
    def verdict(self) -> str:
        word = "PASS" if self.passed else "FAIL"
        return word if self.judged else f"{word} (not judged: decision 0024)"

    def line(self) -> str:
        return (
            f"{self.name:<28} measured {_ms(self.measured_s)}  baseline {_ms(self.baseline_s)}"
            f"  ratio {self.ratio:.2f}  target <= {self.target_ratio:.1f}  {self.verdict}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "measured_ms": round(self.measured_s * 1000, 3),
            "baseline_ms": round(self.baseline_s * 1000, 3),
            "ratio": round(self.ratio, 3),
            "target_ratio": self.target_ratio,
            "passed": self.passed,
            "judged": self.judged,
            "rows": self.rows,
            "measured_runs_ms": [round(s * 1000, 3) for s in self.measured],
            "baseline_runs_ms": [round(s * 1000, 3) for s in self.baseline],
            **self.notes,
        }


def _ms(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"


def time_once(fn: Callable[[], object]) -> float:
    gc.collect()  # a collection left over from the previous run is not this run's cost
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(
    name: str,
    measured: Callable[[], object],
    baseline: Callable[[], object],
    *,
    target_ratio: float,
    repeat: int = 21,
    warmup: int = 3,
    rows: int | None = None,
    between: Callable[[], object] | None = None,
) -> Result:
    """Warm both up, then time them `repeat` times each, alternating so that drift in the machine
    (caches, other load) falls on both alike; compare the medians. `between`, when given, runs
    untimed before each run of either (e.g. a VACUUM, so that every run sees the same tables)."""
    before = between or (lambda: None)
    for _ in range(warmup):
        before()
        measured()
        before()
        baseline()
    measured_runs, baseline_runs = [], []
    for _ in range(max(repeat, 1)):
        before()
        measured_runs.append(time_once(measured))
        before()
        baseline_runs.append(time_once(baseline))
    return Result(name, measured_runs, baseline_runs, target_ratio, rows)


def count_queries(fn: Callable[[], object]) -> tuple[object, int]:
    """fn's result and the number of queries it ran on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = fn()
    return result, len(queries)


def check_same(what: str, measured: list, baseline: list) -> None:
    if measured != baseline:
        first = next((i for i, (m, b) in enumerate(zip(measured, baseline, strict=False)) if m != b), None)
        detail = (
            f"first difference at row {first}: {measured[first]!r} != {baseline[first]!r}" if first is not None else ""
        )
        raise BenchmarkError(f"{what}: {len(measured)} rows from the ORM, {len(baseline)} from hand SQL; {detail}")


def write_json(benchmark: str, results: list[Result], **run: Any) -> Path:
    """bench/results/<benchmark>.json: the latest run of that benchmark (the folder is gitignored)."""
    from django.db import connection

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{benchmark}.json"
    document = {
        "benchmark": benchmark,
        "passed": all(r.passed for r in results if r.judged),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **run,
        "database": connection.settings_dict["NAME"],
        "postgresql": connection.pg_version if connection.vendor == "postgresql" else None,
        "python": platform.python_version(),
        "commit": _git_commit(),
        "cases": [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path


def _git_commit() -> str | None:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=BENCH_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=BENCH_DIR, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if dirty.strip() else head


def setup_django(*, fresh: bool = False) -> str:
    """Point Django at the benchmark database, create it if missing (or anew with `fresh`),
    migrate it, and return its name. BENCH_DATABASE_URL chooses it; DATABASE_URL is ignored,
    because in a shell or CI it names the dev or test database."""
    import environ

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    config = environ.Env.db_url_config(url)
    name = config["NAME"]
    if not name.endswith("_bench"):
        raise SystemExit(f"Refusing to benchmark in {name!r}: the benchmark database's name must end in _bench.")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    _ensure_database(config, fresh=fresh)

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    if connection.settings_dict["NAME"] != name:  # settings that do not read DATABASE_URL
        raise SystemExit(
            f"{os.environ['DJANGO_SETTINGS_MODULE']} connects to {connection.settings_dict['NAME']!r}, not {name!r}."
        )
    call_command("migrate", interactive=False, verbosity=0)
    return name


def _ensure_database(config: dict[str, Any], *, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    server = {"host": config.get("HOST"), "port": config.get("PORT"), "user": config.get("USER")}
    server = {k: v for k, v in server.items() if v}
    if config.get("PASSWORD"):
        server["password"] = config["PASSWORD"]
    name = sql.Identifier(config["NAME"])
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        if fresh:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
