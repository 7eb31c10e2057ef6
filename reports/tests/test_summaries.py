"""Summary figures (issue 24, item 4): fill rate, average days out of work, counts by book,
employer and status with their percentages, worked out by the database — each expected figure
below is counted by hand from the hall of reports/tests/conftest.py (Monday 7 December 2026)."""

import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from referral.enums import WorkStatus

pytestmark = pytest.mark.django_db


def page(client, slug, **filters):
    response = client.get(reverse("admin:reports_report", args=[slug]), filters)
    assert response.status_code == 200
    return response


def figures(response) -> dict:
    return {label: value for kind, label, value in response.context["summary"] if kind == "figure"}


def breakdown(response, label) -> list:
    return next(value for kind, name, value in response.context["summary"] if kind == "breakdown" and name == label)


def test_the_request_reports_fill_rate_and_counts_by_status_and_employer(hall, client, dispatcher):
    """Taken in the last 30 days (since 7 Nov): Hill's (Beta, 13 Nov, 1 wanted, 1 sent), Adams'
    (Alpha, 1, 1), Irwin's (Beta, 1, 1), the open one (Alpha, 3 wanted, 0 sent).
    Fill rate = (1 + 1 + 1 + 0) / (1 + 1 + 1 + 3) = 3 / 6 = 50.0%.
    By status: filled 3 of 4 = 75.0%, open 1 of 4 = 25.0%. By employer: Alpha 2 (50.0%), Beta 2."""
    client.force_login(dispatcher)
    response = page(client, "job-request-register")
    assert response.context["count"] == 4
    assert figures(response) == {"Fill rate (dispatched of wanted)": "50.0%"}
    assert breakdown(response, "By status") == [("Filled", "3", "75.0%"), ("Open", "1", "25.0%")]
    assert breakdown(response, "By employer") == [("Alpha Electric", "2", "50.0%"), ("Beta Builders", "2", "50.0%")]
    assert "Fill rate (dispatched of wanted)" in response.content.decode()


def test_the_registration_lists_average_days_out_of_work_and_statuses_also_in_excel(hall, client, dispatcher):
    """WIRE SEATTLE, 9 active registrations. Available (UNEMPLOYED): Baker and Foster registered
    today (0 days), Davis 28 days ago, Green 40: (0 + 0 + 28 + 40) / 4 = 17.0 days.
    Statuses: 4 unemployed (4/9 = 44.4%), 2 on short calls (Hill, Irwin: 22.2%), 1 working
    (Adams: 11.1%), and Clark's and Jones' exemptions, 1 each (11.1%)."""
    client.force_login(dispatcher)
    response = page(client, "out-of-work-list", book="WIRE SEATTLE")
    assert figures(response) == {"Average days out of work (available members)": "17.0"}
    statuses = breakdown(response, "By status")
    assert statuses[:2] == [(WorkStatus.UNEMPLOYED, "4", "44.4%"), (WorkStatus.SHORT_CALL, "2", "22.2%")]
    assert (WorkStatus.WORKING, "1", "11.1%") in statuses
    assert sum(int(n) for _, n, _ in statuses) == 9
    export = client.get(reverse("admin:reports_export", args=["out-of-work-list", "xlsx"]), {"book": "WIRE SEATTLE"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content)))["Summary"]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert rows[0] == ("Average days out of work (available members)", "17.0", None)
    assert (WorkStatus.UNEMPLOYED, 4, "44.4%") in rows


def test_unemployed_counts_by_book_and_the_share_exempt(hall, client, dispatcher):
    """Seattle: WIRE SEATTLE 1 has Baker, Clark, Davis, Green out of work (Clark exempt), tier 2
    Foster and Jones (Jones exempt): 6 out of work, 2 of them exempt = 33.3%."""
    client.force_login(dispatcher)
    response = page(client, "out-of-work-summary", region="seattle")
    assert figures(response) == {"Out of work": "6", "Of whom exempt": "33.3%"}


def test_format_summary_shows_the_figures_without_the_rows_on_the_page_and_in_the_pdf(hall, client, dispatcher):
    """Monday's day book: Adams to Alpha (a normal call), Irwin to Beta (a short call): 1 each, 50.0%."""
    client.force_login(dispatcher)
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    detail = page(client, "daily-dispatch-log", **monday)
    assert breakdown(detail, "By employer") == [("Alpha Electric", "1", "50.0%"), ("Beta Builders", "1", "50.0%")]
    assert breakdown(detail, "By type") == [("Normal", "1", "50.0%"), ("Short call", "1", "50.0%")]
    assert len([kind for kind, _ in detail.context["body"] if kind == "row"]) == 2
    summary = page(client, "daily-dispatch-log", **monday, detail="summary")
    assert summary.context["body"] == []
    assert summary.context["count"] == 2
    assert 'id="result_list"' not in summary.content.decode()
    pdf = client.get(
        reverse("admin:reports_export", args=["daily-dispatch-log", "pdf"]), {**monday, "detail": "summary"}
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
    assert "By employer" in text
    assert "Alpha Electric" in text
    assert "ADAMS" not in text.upper().replace("ALPHA", "")  # no rows: no member's name
