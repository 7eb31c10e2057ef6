"""Issue 24, item 6: every PDF keeps a real table. A 20,000-row Dispatch History Report (one
employer's dispatches) as a PDF of page-sized tables in under 15 s, and the page of that report —
the largest one a dispatcher opens — in under 500 ms.

The data: 500 members, one employer, `size` dispatches written by SQL on the server
(bench/reports_excel.py's `INSERT … SELECT generate_series`).

Cases, each timed against a baseline measured in the same run (the ratio is printed; the verdict
is the issue's absolute target):
- `dispatch_history_pdf` (< 15 s): what the PDF link does — the form, the rows, the layout,
  ReportLab drawing the pages (reports/pdf_tables.py). Baseline: reading the same rows.
- `dispatch_history_page` (< 500 ms): the report page as a dispatcher opens it (Django's test
  client, in process). Baseline: hand-written SQL of its first 100 rows and the count.

Checked before timing: the PDF has every row ("Total: 20,000 rows" on its last page), the title
and the table's header on every page checked (the first, the last), a proportional font (a table,
not monospaced lines), "Page n of n".

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (reports/tests/test_bench_smoke.py, at a tiny size).
"""

import io
import time

from bench import harness
from bench.reports_excel import add_dispatches, make_world
from bench.reports_registration_list import Target, dispatcher_client

NAME = "reports_pdf"
DEFAULT_SIZE = 20_000
PDF_TARGET_S = 15.0
PAGE_TARGET_S = 0.500
SLUG = "employer-dispatch-history"

HAND_SQL = """
    SELECT d.id, d.offered_at, m.card_number, m.last_name, m.first_name, e.name, d.job_request_id, d.type,
           d.status, d.start_date, d.end_date, d.end_reason, d.wage_rate
      FROM dispatch_dispatch d JOIN members_member m ON m.id = d.member_id
      JOIN dispatch_employer e ON e.id = d.employer_id
     WHERE d.employer_id = %s ORDER BY d.offered_at DESC, d.id DESC LIMIT 100
"""


def make_data(size: int) -> int:
    """`size` dispatches to one employer; its id."""
    world = make_world()
    one = {**world, "employers": world["employers"][:1], "requests": world["requests"][:1]}
    add_dispatches(one, size)
    return one["employers"][0]


def _report_and_form(employer: int):
    from reports import framework

    report = framework.get(SLUG)
    form = report.form({"employer": str(employer)})
    if not form.is_valid():
        raise harness.BenchmarkError(f"filters refused: {form.errors}")
    return report, form


def render_pdf(employer: int) -> bytes:
    from reports import framework, rendering

    report, form = _report_and_form(employer)
    out = io.BytesIO()
    rendering.write_pdf(report, report.rows(form.cleaned_data), out, filters=framework.describe_filters(form))
    return out.getvalue()


def read_rows(employer: int) -> int:
    report, form = _report_and_form(employer)
    return sum(1 for _ in report.iterate(report.rows(form.cleaned_data)))


def get_page(client, employer: int) -> None:
    from django.urls import reverse

    response = client.get(reverse("admin:reports_report", args=[SLUG]), {"employer": employer})
    if response.status_code != 200:
        raise harness.BenchmarkError(f"the page answered {response.status_code}")


def hand_sql(employer: int) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM dispatch_dispatch WHERE employer_id = %s", [employer])
        cursor.fetchone()
        cursor.execute(HAND_SQL, [employer])
        return cursor.fetchall()


def check(employer: int, size: int) -> dict:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_pdf(employer)))
    pages = len(reader.pages)
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    for needed, text in (("Dispatch History Report", first), ("Wage rate", first), (f"Page 1 of {pages}", first),
                         ("Dispatch History Report", last), ("Wage rate", last), (f"Total: {size:,} rows", last),
                         (f"Page {pages} of {pages}", last)):  # fmt: skip
        if needed not in text:
            raise harness.BenchmarkError(f"{needed!r} is not in the PDF")
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    if not fonts or any("Courier" in f or "Mono" in f for f in fonts):
        raise harness.BenchmarkError(f"the PDF is not a table in proportional type: {fonts}")
    return {"pages": pages}


def run(*, size: int = DEFAULT_SIZE, repeat: int = 21, warmup: int = 3) -> list[harness.Result]:
    """The page: `repeat` timed loads. The PDF: at most 3 timed renders (each takes seconds)."""
    employer = make_data(size)
    checked = check(employer, size)
    client = dispatcher_client()
    page = harness.compare(
        "dispatch_history_page", lambda: get_page(client, employer), lambda: hand_sql(employer), target_ratio=0.0,
        repeat=repeat, warmup=warmup, rows=size,
    )  # fmt: skip
    notes = {"target_s": PAGE_TARGET_S, "baseline": "hand SQL of its count and first 100 rows"}
    results = [Target(page.name, page.measured, page.baseline, 0.0, size, notes)]

    measured, baseline, cpu = [], [], []
    for _ in range(max(1, min(repeat, 3))):
        start = time.process_time()
        measured.append(harness.time_once(lambda: render_pdf(employer)))
        cpu.append(round(time.process_time() - start, 3))
        baseline.append(harness.time_once(lambda: read_rows(employer)))
    notes = {"target_s": PDF_TARGET_S, "baseline": f"reading the {size:,} rows", "pages": checked["pages"],
             "cpu_seconds": cpu, "extra": f"{checked['pages']} pages, CPU {min(cpu):.2f} s"}  # fmt: skip
    results.append(Target("dispatch_history_pdf", measured, baseline, 0.0, size, notes))
    return results
