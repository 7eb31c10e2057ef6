"""The staff pages: who may run which report, the page itself, the PDF and the Excel file, the
audit row of every run, bad input, and large exports built in the background."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.urls import reverse
from pypdf import PdfReader

from dispatch.tests.factories import EmployerFactory
from referral.models import ReferralBook
from reports import framework, services, tasks
from reports.models import ExportJob, ExportStatus, ReportRun
from reports.tests.conftest import MONDAY
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

REFERRAL_SLUGS = [r.slug for r in framework.all_reports() if r.permission == framework.REFERRAL]
FULFILLMENT_SLUGS = [r.slug for r in framework.all_reports() if r.permission == framework.FULFILLMENT]


def page_url(slug):
    return reverse("admin:reports_report", args=[slug])


def export_url(slug, fmt):
    return reverse("admin:reports_export", args=[slug, fmt])


def book_1():
    return ReferralBook.objects.get(code="WIRE_SEA_1").pk


WIRE_SEATTLE = "book=WIRE+SEATTLE"  # the Registration List's filter: a book as LaborPower names it


@pytest.fixture
def as_dispatcher(client, dispatcher):
    client.force_login(dispatcher)
    return client


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    return client


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- The declarations ---


def test_every_report_declares_what_it_replaces():
    reports = framework.all_reports()
    assert len(reports) >= 16
    assert all(r.title and r.our_name and r.replaces and r.description and r.columns for r in reports)
    assert len(FULFILLMENT_SLUGS) == 2


# --- Permissions ---


def test_a_dispatcher_sees_the_referral_reports_only(as_dispatcher):
    response = as_dispatcher.get(reverse("admin:reports_index"))
    assert response.status_code == 200
    shown = {e.report.slug for entries in response.context["groups"].values() for e in entries if e.report}
    assert set(REFERRAL_SLUGS) <= shown
    assert not shown & set(FULFILLMENT_SLUGS)
    assert as_dispatcher.get(page_url("verified-hours-and-funds")).status_code == 403


def test_an_officer_sees_all_sixteen(as_officer):
    response = as_officer.get(reverse("admin:reports_index"))
    shown = {e.report.slug for entries in response.context["groups"].values() for e in entries if e.report}
    letters = {"travel-letter", "letter-of-introduction"}  # the Applicant tab's letters (reports/letters.py)
    assert shown == {r.slug for r in framework.all_reports()} | letters
    assert as_officer.get(page_url("verified-hours-and-funds")).status_code == 200


def test_a_member_cannot_reach_the_reports(client):
    client.force_login(UserFactory())
    response = client.get(page_url("out-of-work-list"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_a_group_may_run_none(client):
    client.force_login(StaffFactory(groups=["nobody"]))
    assert client.get(reverse("admin:reports_index")).status_code == 403
    assert client.get(export_url("out-of-work-list", "xlsx") + f"?book={book_1()}").status_code == 403


def test_the_admin_index_links_to_the_reports(as_dispatcher):
    response = as_dispatcher.get(reverse("admin:index"))
    assert reverse("admin:reports_index").encode() in response.content


# --- The page ---


def test_the_page_shows_the_rows_the_totals_and_links_with_the_same_filters(hall, as_officer):
    response = as_officer.get(page_url("out-of-work-summary"), {"region": "seattle"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Inside Wireperson — Seattle Book 1" in text
    assert response.context["count"] == ReferralBook.objects.filter(region="seattle", is_active=True).count()
    totals = dict(zip([h["column"].accessor for h in response.context["headers"]],
                      [t for t, _ in response.context["total_cells"]], strict=True))  # fmt: skip
    assert totals["out_of_work"] == "6"
    assert f"{export_url('out-of-work-summary', 'pdf')}?region=seattle" in text
    assert f"{export_url('out-of-work-summary', 'xlsx')}?region=seattle" in text


def test_the_page_sorts_by_a_column_and_pages(hall, as_dispatcher, monkeypatch):
    report = framework.get("out-of-work-list")
    monkeypatch.setattr(report, "page_size", 3)
    response = as_dispatcher.get(page_url("out-of-work-list"), {"book": "WIRE SEATTLE", "sort": "-apn"})
    body = response.context["body"]
    assert body[0][1][:2] == ("WIRE SEATTLE : 1", 7)  # the tier's heading and its count
    assert [(row[1][0], row[4][0]) for kind, row in body if kind == "row"] == [
        ("IRWIN, PAT", "0007 / 0000"), ("HILL, PAT", "0006 / 0000"), ("GREEN, PAT", "0005 / 0003"),
    ]  # fmt: skip
    assert response.context["page"].paginator.num_pages == 3
    last = as_dispatcher.get(page_url("out-of-work-list"), {"book": "WIRE SEATTLE", "sort": "-apn", "page": 3})
    body = last.context["body"]
    assert [(kind, item[1][0] if kind == "row" else item[:2]) for kind, item in body] == [
        ("group", ("WIRE SEATTLE : 1", 7)), ("row", "ADAMS, PAT"),  # a page that goes on with a tier names it
        ("group", ("WIRE SEATTLE : 2", 2)), ("row", "JONES, PAT"), ("row", "FOSTER, PAT"),
    ]  # fmt: skip
    assert [row[4][0] for kind, row in body if kind == "row"] == ["0001 / 0000", "0002 / 0000", "0001 / 0001"]


def test_every_run_of_the_page_is_an_audit_row(hall, as_dispatcher, dispatcher):
    as_dispatcher.get(page_url("out-of-work-list"), {"book": "WIRE SEATTLE"})
    run = ReportRun.objects.get()
    assert (run.user, run.report, run.format, run.row_count) == (dispatcher, "out-of-work-list", "html", 9)
    assert run.filters == {"book": "WIRE SEATTLE"}


@pytest.mark.postgresql_only(reason="the append-only triggers are PostgreSQL's")
def test_the_audit_is_append_only(hall, dispatcher):
    from django.db import DatabaseError, transaction

    run = services.report_run_record(
        report=framework.get("out-of-work-list"), by=dispatcher, filters={}, format="pdf", row_count=1
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        ReportRun.objects.filter(pk=run.pk).update(row_count=0)


# --- Bad input: a message on the page, never a 500 ---


def test_an_unknown_book_is_a_form_error(as_dispatcher):
    response = as_dispatcher.get(page_url("out-of-work-list"), {"book": 999999})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_unknown_card_number_is_a_form_error(as_dispatcher):
    response = as_dispatcher.get(page_url("member-dispatch-history"), {"member": "0000000"})
    assert "No member has card number 0000000." in response.content.decode()


def test_a_range_ending_before_it_starts_is_a_form_error(as_dispatcher):
    response = as_dispatcher.get(page_url("daily-dispatch-log"), {"date_from": "2026-12-07", "date_to": "2026-12-01"})
    assert response.status_code == 400
    assert "The range ends (2026-12-01) before it starts (2026-12-07)." in response.content.decode()


def test_a_range_too_long_is_a_form_error(as_dispatcher):
    response = as_dispatcher.get(page_url("daily-dispatch-log"), {"date_from": "2025-01-01", "date_to": "2026-12-01"})
    assert "too long a range for this report: choose at most 92 days" in response.content.decode()


def test_a_malformed_date_and_an_unknown_choice_are_form_errors(as_dispatcher):
    response = as_dispatcher.get(page_url("roll-off-report"), {"date_from": "yesterday", "reason": "bored"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid date." in text
    assert "Select a valid choice. bored is not one of" in text


DATE_FILTERS = [
    (r.slug, name)
    for r in framework.all_reports()
    for name, field in r.filters.base_fields.items()
    if isinstance(field, forms.DateField)
]


@pytest.mark.parametrize(("slug", "field"), DATE_FILTERS)
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_date_outside_the_plausible_range_is_a_form_error_on_every_report(slug, field, day, client, officer):
    """Issue 20, finding 7: date_to=9999-12-31 was a server error on 8 pages."""
    client.force_login(officer)
    employer = EmployerFactory()
    params = {field: day, "employer": employer.pk}
    for url in (page_url(slug), export_url(slug, "xlsx")):
        response = client.get(url, params)
        assert response.status_code == 400, (url, response.status_code)
        assert f"{day} is not a plausible date: from 1900-01-01 to " in response.content.decode()
    assert not ReportRun.objects.exists()


def test_an_export_with_bad_filters_shows_the_page_with_the_message(as_dispatcher):
    response = as_dispatcher.get(export_url("daily-dispatch-log", "xlsx") + "?date_from=2026-12-07&date_to=2026-12-01")
    assert response.status_code == 400
    assert "before it starts" in response.content.decode()
    assert not ReportRun.objects.exists()


def test_an_export_larger_than_any_export_may_be_is_refused_on_the_page(hall, as_dispatcher, settings):
    settings.REPORTS_SYNC_MAX_ROWS = 1
    settings.REPORTS_MAX_EXPORT_ROWS = 3
    response = as_dispatcher.get(export_url("out-of-work-list", "xlsx") + f"?{WIRE_SEATTLE}")
    assert response.status_code == 400
    assert "9 rows is more than an export may hold (3): narrow the filters." in response.content.decode()


def test_an_unknown_report_or_format_is_a_404(as_officer):
    assert as_officer.get(page_url("no-such-report")).status_code == 404
    assert as_officer.get(export_url("out-of-work-list", "docx")).status_code == 404


# --- Excel ---


def test_the_excel_file_has_typed_cells_a_frozen_header_and_an_autofilter(hall, as_dispatcher, dispatcher):
    response = as_dispatcher.get(export_url("out-of-work-list", "xlsx") + f"?{WIRE_SEATTLE}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)))
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == [
        "BOOK", "REG. #", "NAME", "LOCAL", "REG. DATE & TIME", "POSITION (ACT / REL)", "CHECK", "STATUS", "REGION",
        "APN",
    ]  # fmt: skip
    davis = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "DAVIS, PAT")
    tier, number, registered, position, apn = davis[0], davis[1], davis[4], davis[5], davis[9]
    assert tier.value == "WIRE SEATTLE : 1"  # the tier is a column a spreadsheet filters on
    assert (number.data_type, number.number_format) == ("n", "0")
    assert position.value == "0004 / 0002"
    assert apn.value == 46000.04
    assert apn.data_type == "n"
    assert apn.number_format == "0.00"
    assert registered.is_date
    assert registered.value == datetime.datetime(2026, 11, 9, 9, 0, 0)
    assert registered.number_format == "yyyy-mm-dd hh:mm:ss"
    baker = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "BAKER, PAT")
    assert (baker[6].value, davis[6].value) == (1, None)  # CHECK: blank, not 0
    assert [row[0].value for row in sheet.iter_rows(min_row=2, max_row=10)] == ["WIRE SEATTLE : 1"] * 7 + [
        "WIRE SEATTLE : 2"
    ] * 2
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:J10"
    assert workbook["Report"]["B2"].value.startswith("LaborPower: Registration List")
    run = ReportRun.objects.get()
    assert (run.user, run.format, run.row_count) == (dispatcher, "xlsx", 9)


def test_money_is_a_currency_cell_and_the_total_is_below_the_data(hall, as_dispatcher):
    response = as_dispatcher.get(export_url("daily-dispatch-log", "xlsx") + f"?date_from={MONDAY}&date_to={MONDAY}")
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).worksheets[0]
    wage = sheet.cell(row=2, column=10)
    assert wage.value == 58.5
    assert wage.number_format == '"$"#,##0.00'
    assert sheet.cell(row=5, column=1).value == "Total: 2 rows"  # after a blank row, outside the filter


# --- PDF (rendered in a few tests only: WeasyPrint is slow) ---


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_has_the_title_the_filters_a_known_row_and_page_numbers(hall, as_dispatcher):
    response = as_dispatcher.get(export_url("out-of-work-list", "pdf") + f"?{WIRE_SEATTLE}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(content(response)))
    first, second = (page.extract_text() for page in reader.pages)  # a page for each tier, as LaborPower's
    for text in (first, second):
        assert "Registration List" in text
        assert "IBEW Local 46" in text
        assert "Book: WIRE SEATTLE" in text
        assert "Printed 2026-12-07 09:00" in text
    assert "WIRE SEATTLE : 1" in first
    assert "WIRE SEATTLE : 2" not in first
    assert "DAVIS, PAT" in first
    assert "0004 / 0002" in first
    assert "46000.04" in first
    assert "2026-11-09 09:00:00" in first
    assert "Page 1 of 2" in first
    assert "WIRE SEATTLE : 2" in second
    assert "FOSTER, PAT" in second
    assert "DAVIS, PAT" not in second
    assert "Page 2 of 2" in second
    assert ReportRun.objects.get().format == "pdf"


def test_a_long_pdf_repeats_the_header_and_counts_its_pages(hall, dispatcher):
    report = framework.get("registration-activity-audit")
    rows = [
        {"at": None, "registration__book__name": "Book", "apn": Decimal("46000.01") + n,
         "registration__member__card_number": f"{n:07d}", "name": f"Member {n}", "action": "re_sign",
         "reason": "", "by": "Staff"}
        for n in range(150)
    ]  # fmt: skip
    from reports import rendering

    out = io.BytesIO()
    rendering.write_pdf(report, rows, out, filters=[("From", "2026-12-01")])
    pages, text = pdf_text(out.getvalue())
    assert pages >= 3
    assert text.count("Registration History Report") == pages  # the running header on every page
    assert text.count("Card") >= pages  # the table's header repeated
    assert f"Page {pages} of {pages}" in text


# --- Large exports in the background ---


def test_a_large_export_is_queued_then_built_with_progress_and_downloadable(
    hall, as_dispatcher, dispatcher, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.REPORTS_SYNC_MAX_ROWS = 2
    queued = []
    monkeypatch.setattr(tasks.build_export, "delay", lambda job_id: queued.append(job_id))
    with django_capture_on_commit_callbacks(execute=True):
        response = as_dispatcher.get(export_url("out-of-work-list", "xlsx") + f"?{WIRE_SEATTLE}")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reports_export_job", args=[job.pk])
    assert queued == [job.pk]
    assert (job.status, job.rows_total, job.run.background, job.run.user) == (ExportStatus.QUEUED, 9, True, dispatcher)

    progress = []
    monkeypatch.setattr("reports.rendering.PROGRESS_EVERY", 1)
    real = services._set_progress
    monkeypatch.setattr(services, "_set_progress", lambda pk, n, *attempt: (real(pk, n, *attempt), progress.append(n)))
    assert tasks.build_export(job.pk) == ExportStatus.DONE
    assert progress == list(range(1, 10))
    assert tasks.build_export(job.pk) == ExportStatus.DONE  # a second run changes nothing

    status = as_dispatcher.get(reverse("admin:reports_export_status", args=[job.pk])).json()
    assert (status["status"], status["percent"], status["rows_done"]) == ("done", 100, 9)
    download = as_dispatcher.get(status["download_url"])
    sheet = openpyxl.load_workbook(io.BytesIO(content(download))).worksheets[0]
    assert [c.value for c in sheet["C"]][1:5] == ["ADAMS, PAT", "BAKER, PAT", "CLARK, PAT", "DAVIS, PAT"]
    job.refresh_from_db()
    job.file.delete(save=False)


def test_an_export_is_served_only_to_who_asked_or_an_officer(hall, client, dispatcher, officer, settings):
    settings.REPORTS_SYNC_MAX_ROWS = 2
    job = services.export_job_queue(
        report=framework.get("out-of-work-list"), by=dispatcher, filters={"book": "WIRE SEATTLE"}, format="pdf"
    )
    services.export_job_build(job_id=job.pk)
    url = reverse("admin:reports_export_download", args=[job.pk])
    client.force_login(StaffFactory(groups=["dispatcher"]))
    assert client.get(url).status_code == 403
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert content(response).startswith(b"%PDF")
    client.force_login(dispatcher)
    page = client.get(reverse("admin:reports_export_job", args=[job.pk]))
    assert "Download" in page.content.decode()
    ExportJob.objects.get(pk=job.pk).file.delete(save=False)  # the row still says "done"
    assert client.get(url).status_code == 404  # a file gone from the disk is a 404, not a 500


def test_a_pdf_of_many_rows_is_a_table_on_every_page_with_its_header(hall, dispatcher, monkeypatch):
    """Above PDF_CELL_ROWS rows the PDF is drawn (reports/pdf_tables.py): still a table — a cell
    a value, in proportional type, the header on every page — never one monospaced line a row."""
    from reports import rendering

    monkeypatch.setattr(rendering, "PDF_CELL_ROWS", 50)
    report = framework.get("registration-activity-audit")
    rows = [
        {"at": None, "registration__book__name": "Book", "apn": Decimal("46000.01") + n,
         "registration__member__card_number": f"{n:07d}", "name": f"Member {n}", "action": "re_sign",
         "reason": "A reason far too long for its column " * (n == 7) * 8, "by": "Staff"}
        for n in range(150)
    ]  # fmt: skip
    out = io.BytesIO()
    rendering.write_pdf(report, rows, out, filters=[("From", "2026-12-01")])
    reader = PdfReader(io.BytesIO(out.getvalue()))
    pages, text = pdf_text(out.getvalue())
    assert pages == 4  # 150 rows and the total at 46 rows a page
    assert "46149.01" in text
    assert "Member 149" in text
    assert "Total: 150 rows" in text
    assert "From: 2026-12-01" in text
    assert text.count("Registration History Report") == pages  # the title on every page
    assert text.count("APN") == pages  # the table's header on every page
    assert f"Page {pages} of {pages}" in text
    assert "A reason far too long for its column A reason far too long for its column A reason far too long" not in text
    assert "…" in text  # cut to its column
    fonts = {str(f["/BaseFont"]) for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert "/Helvetica" in fonts
    assert not any("Mono" in f or "Courier" in f for f in fonts)


def test_officers_read_the_audit_of_runs_in_the_console_and_dispatchers_do_not(hall, client, dispatcher, officer):
    services.report_run_record(
        report=framework.get("out-of-work-list"), by=dispatcher, filters={"book": 1}, format="pdf", row_count=4
    )
    client.force_login(officer)
    response = client.get(reverse("admin:reports_reportrun_changelist"))
    assert response.status_code == 200
    assert "Registration List" in response.content.decode()
    assert client.get(reverse("admin:reports_exportjob_changelist")).status_code == 200
    client.force_login(dispatcher)
    assert client.get(reverse("admin:reports_reportrun_changelist")).status_code == 403
