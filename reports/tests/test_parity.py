"""LaborPower's report window in UnionCore (issue 24): every report of its parity list is
answered by exactly one report or is listed as pending; the index shows LaborPower's four tabs in
its order; a report that answers several of LaborPower's opens under each with its filters;
every report is a CSV file too."""

import csv
import io

import pytest
from django.urls import reverse

from reports import framework
from reports.laborpower import BY_ID, PARITY, PENDING, TABS
from reports.models import ReportRun
from reports.tests.conftest import MONDAY

pytestmark = pytest.mark.django_db


def test_every_laborpower_report_is_answered_by_exactly_one_report_or_pending():
    from reports.letters import LETTER_REPORTS  # the Applicant tab's two letters: pages, not tables

    answered = {}
    for report in [*framework.all_reports(), *LETTER_REPORTS.values()]:
        for lp_id in report.laborpower_ids:
            assert lp_id not in answered, f"{lp_id} answered by {answered[lp_id]} and {report.slug}"
            answered[lp_id] = report.slug
    assert len(PARITY) == 91
    assert not set(answered) & PENDING, "answered ids are still listed as pending"
    assert set(answered) | PENDING == set(BY_ID)


def test_a_report_is_titled_with_laborpowers_name_for_its_first_id():
    for report in framework.all_reports():
        if report.laborpower_ids:
            own = BY_ID[report.laborpower_ids[0]]
            assert report.title == own.name or own.name in report.title, report.slug


def test_a_second_report_may_not_answer_an_id_already_answered():
    class Copy(framework.Report):
        slug = "copy-of-the-registration-list"
        laborpower_ids = ("B-01",)
        selector = staticmethod(lambda: [])
        columns = (framework.Column("x", "X"),)

    with pytest.raises(ValueError, match="B-01 is already answered by out-of-work-list"):
        framework.register(Copy)
    assert framework.get("copy-of-the-registration-list") is None


def test_the_index_lists_laborpowers_tabs_in_its_order_a_report_under_each_of_its_tabs(client, officer):
    client.force_login(officer)
    response = client.get(reverse("admin:reports_index"))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert list(groups)[:4] == list(TABS)
    basic = [(e.lp_id, e.name) for e in groups["Basic"]]
    assert basic[:3] == [("B-01", "Registration List"), ("B-02", "Dropped Due to Re-Sign"),
                         ("B-03", "Dropped Due to Checkmarks")]  # fmt: skip
    assert len(basic) == 20  # every Basic report, answered or not yet
    # The Registration List is under Basic (B-01) and under Custom as REGLIST (C-34)
    reglist = next(e for e in groups["Custom"] if e.lp_id == "C-34")
    assert reglist.report.slug == "out-of-work-list"
    # Our own reports come after LaborPower's tabs
    assert [e.name for e in groups["UnionCore"]] == [
        "Check-mark report", "Exempt members", "Time-log verification status by employer",
        "Verified hours and funds by employer and week",
    ]  # fmt: skip
    text = response.content.decode()
    assert "Dropped Due to Checkmarks" in text
    # Every one of LaborPower's 91 reports is answered (PENDING is empty): none is "not yet" there
    assert "Not yet in UnionCore" not in text
    assert sum(len(groups[tab]) for tab in TABS) == 91  # the officer sees every tab's every report


def test_a_report_opens_under_a_laborpower_name_with_its_filters(hall, client, dispatcher):
    """Open Requests (B-05) is the Request Report of open requests. The hall has four requests;
    one is open (#Open, Alpha, 3 wanted, taken Fri 4 Dec): 1 row, 3 wanted, 0 dispatched."""
    client.force_login(dispatcher)
    entry = next(e for e in client.get(reverse("admin:reports_index")).context["groups"]["Basic"] if e.lp_id == "B-05")
    assert entry.url == reverse("admin:reports_report", args=["job-request-register"]) + "?status=open&variant=B-05"
    response = client.get(entry.url)
    assert response.status_code == 200
    assert response.context["title"] == "Open Requests"
    assert response.context["count"] == 1
    totals = dict(zip([h["column"].accessor for h in response.context["headers"]],
                      [t for t, _ in response.context["total_cells"]], strict=True))  # fmt: skip
    assert (totals["workers_wanted"], totals["dispatched"]) == ("3", "0")


def test_the_csv_file_has_every_column_plain_numbers_and_no_totals(hall, client, dispatcher):
    """Monday's day book: Adams to Alpha and Irwin to Beta (both offered today), wage 58.50."""
    client.force_login(dispatcher)
    url = reverse("admin:reports_export", args=["daily-dispatch-log", "csv"])
    response = client.get(url + f"?date_from={MONDAY}&date_to={MONDAY}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the names as UTF-8
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0] == ["Offered", "Card", "Name", "Employer", "Request", "Classification", "Type", "Status",
                        "Start", "Wage rate"]  # fmt: skip
    assert len(lines) == 3  # the header and two dispatches; no totals line
    assert sorted(line[3] for line in lines[1:]) == ["Alpha Electric", "Beta Builders"]
    assert {line[9] for line in lines[1:]} == {"58.50"}
    run = ReportRun.objects.get()
    assert (run.format, run.row_count) == ("csv", 2)
