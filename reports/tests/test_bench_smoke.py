"""The report benchmarks (bench/reports_registration_list.py, bench/reports_excel.py) at tiny sizes, in the test
database: they run end to end and check what they render. The figures themselves come from
`make bench`, never from the test suite."""

import pytest

from bench import harness, reports_excel, reports_pdf, reports_registration_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql_only(
        reason="the benchmarks' data and baselines are PostgreSQL's SQL (generate_series, COPY, schemas)"
    ),
]

TINY = 12


def test_the_registration_list_benchmark_times_the_page_and_the_pdf_and_checks_them(monkeypatch):
    monkeypatch.setattr("reports.rendering.PDF_CELL_ROWS", 5)  # the drawn tables, as at 2,000 rows
    page, last_page, pdf = reports_registration_list.run(size=TINY, repeat=1, warmup=0)
    assert (page.name, last_page.name, pdf.name) == (
        "registration_list_page", "registration_list_last_page", "registration_list_pdf",
    )  # fmt: skip
    assert page.rows == pdf.rows == TINY
    assert pdf.notes["pages"] >= 1
    assert page.notes["queries"] > 0
    assert all(r.measured_s > 0 and r.baseline_s > 0 for r in (page, last_page, pdf))
    assert page.line().endswith(("PASS", "FAIL"))
    assert page.as_dict()["target_ms"] == 300


def test_a_pdf_without_the_last_member_fails_the_benchmark(monkeypatch):
    book = reports_registration_list.make_data(size=TINY)
    client = reports_registration_list.dispatcher_client()
    monkeypatch.setattr(reports_registration_list, "render_pdf", lambda filters: _pdf_of_nothing())
    with pytest.raises(harness.BenchmarkError, match="is not in the PDF"):
        reports_registration_list.check(book, client, TINY)


def test_a_report_that_disagrees_with_the_hand_sql_fails_the_benchmark(monkeypatch):
    book = reports_registration_list.make_data(size=TINY)
    client = reports_registration_list.dispatcher_client()
    real = reports_registration_list.report_rows
    monkeypatch.setattr(reports_registration_list, "report_rows", lambda f: [{**r, "rel": 0} for r in real(f)])
    with pytest.raises(harness.BenchmarkError, match="ACT/REL of the tier"):
        reports_registration_list.check(book, client, TINY)


def _pdf_of_nothing() -> bytes:
    import io

    from weasyprint import HTML

    out = io.BytesIO()
    HTML(string="<p>Registration List</p>").write_pdf(out)
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


def test_the_pdf_benchmark_draws_the_dispatch_history_as_tables_and_times_the_page(monkeypatch):
    monkeypatch.setattr("reports.rendering.PDF_CELL_ROWS", 5)  # the drawn tables, as at 20,000 rows
    page, pdf = reports_pdf.run(size=40, repeat=1, warmup=0)
    assert (page.name, pdf.name) == ("dispatch_history_page", "dispatch_history_pdf")
    assert pdf.rows == 40
    assert pdf.notes["pages"] == 1
    assert all(r.measured_s > 0 and r.baseline_s > 0 for r in (page, pdf))
    assert pdf.as_dict()["target_ms"] == 15_000


def test_a_pdf_without_its_total_fails_the_pdf_benchmark(monkeypatch):
    employer = reports_pdf.make_data(12)
    monkeypatch.setattr(reports_pdf, "render_pdf", lambda employer: _pdf_of_nothing())
    with pytest.raises(harness.BenchmarkError, match="is not in the PDF"):
        reports_pdf.check(employer, 12)
