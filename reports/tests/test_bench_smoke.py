"""The report benchmarks (bench/reports_pdf.py, bench/reports_excel.py) at tiny sizes, in the test
database: they run end to end and check what they render. The figures themselves come from
`make bench`, never from the test suite."""

import pytest

from bench import harness, reports_excel, reports_pdf

pytestmark = pytest.mark.django_db

TINY = 12


def test_the_pdf_benchmark_renders_the_whole_book_and_checks_it(monkeypatch):
    monkeypatch.setattr("reports.rendering.PDF_CELL_ROWS", 5)  # the line layout, as at 2,000 rows
    [result] = reports_pdf.run(size=TINY, repeat=1, warmup=0)
    assert result.rows == TINY
    assert result.notes["pages"] >= 1
    assert result.measured_s > 0
    assert result.line().endswith(("PASS", "FAIL"))


def test_a_pdf_without_the_last_member_fails_the_benchmark(monkeypatch):
    book = reports_pdf.make_data(size=TINY)
    monkeypatch.setattr(reports_pdf, "render", lambda book: _pdf_of_nothing())
    with pytest.raises(harness.BenchmarkError, match="is not in the PDF"):
        reports_pdf.check(book, TINY)


def _pdf_of_nothing() -> bytes:
    import io

    from weasyprint import HTML

    out = io.BytesIO()
    HTML(string="<p>Out-of-work list</p>").write_pdf(out)
    return out.getvalue()


def test_the_excel_benchmark_exports_in_child_processes_and_compares_their_peaks():
    # The children connect to the test database on their own connections and roll their rows back.
    [result] = reports_excel.run(size=300, small=30, repeat=1)
    assert result.notes["rows_big"] == 300
    assert result.notes["rows_small"] == 30
    assert result.measured_s > 10_000
    assert result.baseline_s > 10_000
    assert "peak RSS" in result.line()
    assert result.as_dict()["peak_rss_kb"] == result.measured_s
