"""Issue #9: the Excel export of the daily dispatch log streams. The peak memory (RSS) of a
process exporting 200,000 dispatch rows is within 1.3x of the same process exporting 20,000:
the rows are read in chunks (a server-side cursor) and openpyxl's write-only workbook writes
them to disk as they come, so memory does not grow with the row count.

Each export runs in a child process of its own (`python -m bench.reports_excel --child`), whose
peak RSS (VmHWM) is all it reports: Django, the export and nothing else. The child writes its
dispatch rows by SQL on the server (`INSERT … SELECT generate_series`: no row passes through its
memory), exports them with the report framework to a file on disk, checks the file's row count,
and rolls its data back. The parent times nothing but compares the two peaks.

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (reports/tests/test_bench_smoke.py, at tiny sizes).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from bench import harness

NAME = "reports_excel"
DEFAULT_SIZE = 200_000  # rows of the big export
SMALL = 20_000  # rows of the small one
TARGET_RATIO = 1.3
EMPLOYERS = 20
MEMBERS = 500  # each with many (closed) dispatches: one open dispatch per member is the rule

DISPATCH_SQL = """
    INSERT INTO dispatch_dispatch (type, status, wage_rate, offered_at, answered_at, decline_kind, start_date,
                                   end_date, end_reason, created_at, updated_at, created_by_id, member_id,
                                   employer_id, job_request_id, override_reason)
    SELECT CASE WHEN n %% 7 = 0 THEN 'short_call' ELSE 'normal' END,
           CASE WHEN n %% 5 = 0 THEN 'declined' ELSE 'completed' END,
           58.50 + (n %% 4),
           now() - n * interval '1 minute', now() - n * interval '1 minute' + interval '5 minutes',
           CASE WHEN n %% 5 = 0 THEN 'declined' ELSE '' END,
           (now() - n * interval '1 minute')::date,
           CASE WHEN n %% 5 = 0 THEN NULL ELSE (now() - n * interval '1 minute')::date + 3 END,
           CASE WHEN n %% 5 = 0 THEN '' ELSE 'laid_off' END,
           now(), now(), %(by)s,
           (%(members)s::bigint[])[1 + n %% %(m)s],
           (%(employers)s::bigint[])[1 + n %% %(e)s],
           (%(requests)s::bigint[])[1 + n %% %(e)s],
           'Bench data: history without a referral run'
      FROM generate_series(1, %(rows)s) AS n
"""


def peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM), in kB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux


def make_world() -> dict:
    """A few members, employers and requests for the dispatch rows to point at (ORM, tiny)."""
    import datetime

    from django.utils import timezone

    from dispatch.models import Employer, JobRequest
    from members.models import Member
    from unioncore.audit import system_user

    by = system_user()
    members = Member.objects.bulk_create(
        [
            Member(card_number=f"8{n:07d}", first_name=f"F{n}", last_name=f"L{n}", classification="inside_wireperson")
            for n in range(MEMBERS)
        ]
    )
    employers = Employer.objects.bulk_create(
        [Employer(code=f"BX{n:04d}", name=f"Bench Electric {n}") for n in range(EMPLOYERS)]
    )
    now = timezone.now()
    requests = JobRequest.objects.bulk_create(
        [JobRequest(employer=e, book_classification="inside_wireperson", region="seattle", workers_wanted=1,
                    start_date=now.date(), report_time=datetime.time(7), worksite="Bench", refer_at=now, taken_by=by)
         for e in employers]
    )  # fmt: skip
    return {
        "by": by.pk,
        "members": [m.pk for m in members],
        "employers": [e.pk for e in employers],
        "requests": [r.pk for r in requests],
    }


def add_dispatches(world: dict, rows: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            DISPATCH_SQL,
            {**world, "rows": rows, "m": len(world["members"]), "e": len(world["employers"])},
        )
        cursor.execute("ANALYZE dispatch_dispatch")


def export(path: str) -> int:
    """The daily dispatch log, every row, as Excel through the report framework."""
    from reports import framework, rendering, selectors

    report = framework.get("daily-dispatch-log")
    with open(path, "wb") as target:
        return rendering.write_xlsx(report, selectors.dispatch_log_rows(), target, filters=[("Dates", "all")])


def child(rows: int) -> dict:
    """In this process: rows in, exported, counted, rolled back; the peak RSS out."""
    import django

    django.setup()
    from django.db import transaction
    from openpyxl import load_workbook

    from reports import framework

    framework.all_reports()  # imported before the baseline, as in the parent
    with transaction.atomic():
        add_dispatches(make_world(), rows)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "export.xlsx")
            start = time.perf_counter()
            written = export(path)
            seconds = time.perf_counter() - start
            peak = peak_rss_kb()
            size = os.path.getsize(path)
            if rows <= 50_000:  # reading the big file back would cost more memory than writing it
                sheet = load_workbook(path, read_only=True).worksheets[0]
                lines = sum(1 for _ in sheet.iter_rows(values_only=True))
                if lines != rows + 3:  # header, rows, a blank row, the totals
                    raise harness.BenchmarkError(f"{lines} rows in the file for {rows} dispatches")
        transaction.set_rollback(True)
    if written != rows:
        raise harness.BenchmarkError(f"{written} rows written for {rows} dispatches")
    return {"rows": rows, "peak_rss_kb": peak, "seconds": round(seconds, 3), "file_bytes": size}


def run_child(rows: int) -> dict:
    """Run `child(rows)` in a fresh interpreter on the same database; its figures."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    url = f"postgres://{db['USER']}{':' + db['PASSWORD'] if db.get('PASSWORD') else ''}@{db['HOST'] or '127.0.0.1'}"
    url += f":{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
    root = str(harness.BENCH_DIR.parent)
    done = subprocess.run(
        [sys.executable, "-m", "bench.reports_excel", "--child", str(rows)],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise harness.BenchmarkError(f"the export of {rows} rows failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@dataclass
class Memory(harness.Result):
    """Peak RSS of the big export (measured) against the small one's (baseline), in kB."""

    def line(self) -> str:
        return (
            f"{self.name:<28} peak RSS {self.measured_s / 1024:.1f} MB ({self.notes['rows_big']:,} rows)  "
            f"baseline {self.baseline_s / 1024:.1f} MB ({self.notes['rows_small']:,} rows)  ratio {self.ratio:.2f}  "
            f"target <= {self.target_ratio:.1f}  {'PASS' if self.passed else 'FAIL'}"
        )

    def as_dict(self):
        return {
            "name": self.name,
            "peak_rss_kb": self.measured_s,
            "baseline_peak_rss_kb": self.baseline_s,
            "ratio": round(self.ratio, 3),
            "target_ratio": self.target_ratio,
            "passed": self.passed,
            "rows": self.rows,
            "peak_rss_runs_kb": self.measured,
            "baseline_peak_rss_runs_kb": self.baseline,
            **self.notes,
        }


def run(*, size: int = DEFAULT_SIZE, repeat: int = 1, warmup: int = 0, small: int = SMALL) -> list[harness.Result]:
    """Each size exported once per repeat (at most 2: a big export takes a while), alternating."""
    smalls, bigs = [], []
    for _ in range(max(1, min(repeat, 2))):
        smalls.append(run_child(small))
        bigs.append(run_child(size))
    notes = {
        "rows_small": small,
        "rows_big": size,
        "seconds_small": [r["seconds"] for r in smalls],
        "seconds_big": [r["seconds"] for r in bigs],
        "file_bytes_big": bigs[-1]["file_bytes"],
    }
    return [
        Memory(
            f"{NAME}_peak_rss",
            [r["peak_rss_kb"] for r in bigs],
            [r["peak_rss_kb"] for r in smalls],
            TARGET_RATIO,
            rows=size,
            notes=notes,
        )
    ]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--child":
    print(json.dumps(child(int(sys.argv[2]))))
