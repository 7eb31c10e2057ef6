"""Issue #9: the out-of-work list of a book of 2,000 registrants as a PDF in under 10 seconds,
through the report framework (the query, the layout, the HTML and WeasyPrint's rendering: all
of it, as the export view does it).

The book: `size` members out of work on Book 1 of Inside Wireperson, Seattle (bulk-created,
APNs in LaborPower's day-serial style), a few of them exempt or with check marks. Before
timing, one PDF is checked: it opens, has the report's title, the first and the last member,
and "Page 1 of n".

Runs against whatever database Django is connected to: `python -m bench` gives it the benchmark
database, the test suite its own (reports/tests/test_bench_smoke.py, at a tiny size).
"""

import io
import time
from decimal import Decimal

from django.db import connection

from bench import harness
from members.models import Member
from referral.models import BookRegistration, ReferralBook

NAME = "reports_pdf"
DEFAULT_SIZE = 2_000
TARGET_SECONDS = 10.0
BOOK = "WIRE_SEA_1"


def make_data(*, size: int) -> ReferralBook:
    book = ReferralBook.objects.get(code=BOOK)
    members = Member.objects.bulk_create(
        [
            Member(card_number=f"7{n:07d}", first_name=f"First{n}", last_name=f"Last{n:05d}",
                   classification="inside_wireperson")
            for n in range(size)
        ],
        batch_size=2000,
    )  # fmt: skip
    BookRegistration.objects.bulk_create(
        [
            BookRegistration(
                member=m, book=book, apn=Decimal(f"{46000 + i // 40}.{i % 40 + 1:02d}"),
                check_marks=i % 3 if i % 10 == 0 else 0, is_exempt=None,
            )
            for i, m in enumerate(members)
        ],
        batch_size=2000,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member, referral_bookregistration")
    return book


def render(book: ReferralBook) -> bytes:
    """What the PDF link does: the form, the rows, the file."""
    from reports import framework, rendering

    report = framework.get("out-of-work-list")
    form = report.form({"book": book.pk})
    if not form.is_valid():
        raise harness.BenchmarkError(f"filters refused: {form.errors}")
    out = io.BytesIO()
    rendering.write_pdf(report, report.rows(form.cleaned_data), out, filters=framework.describe_filters(form))
    return out.getvalue()


def check(book: ReferralBook, size: int) -> int:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render(book)))
    pages = len(reader.pages)
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    for needed, text in (("Out-of-work list", first), ("Last00000", first), (f"Page 1 of {pages}", first),
                         (f"Last{size - 1:05d}", last), (f"Page {pages} of {pages}", last)):  # fmt: skip
        if needed not in text:
            raise harness.BenchmarkError(f"{needed!r} is not in the PDF")
    return pages


class Budget(harness.Result):
    """Seconds per PDF against the budget (the baseline is the time the target allows)."""

    def line(self) -> str:
        return (
            f"{self.name:<28} measured {self.measured_s:.2f} s  budget {self.baseline_s:.1f} s  "
            f"(CPU {min(self.notes['cpu_seconds']):.2f} s; {self.rows:,} rows, {self.notes['pages']} pages)  "
            f"{'PASS' if self.passed else 'FAIL'}"
        )


def run(*, size: int = DEFAULT_SIZE, repeat: int = 3, warmup: int = 1) -> list[harness.Result]:
    """At most 5 timed renders (each takes seconds), after one warm-up."""
    book = make_data(size=size)
    pages = check(book, size)
    for _ in range(min(warmup, 1)):
        render(book)
    runs, cpu = [], []
    for _ in range(max(1, min(repeat, 5))):
        start = time.process_time()
        runs.append(harness.time_once(lambda: render(book)))
        cpu.append(round(time.process_time() - start, 3))
    return [Budget(NAME, runs, [TARGET_SECONDS], 1.0, rows=size, notes={"pages": pages, "cpu_seconds": cpu})]
