"""LaborPower's Custom tab (issue 24): the Custom reports that are another report's rows with other
filters, merged into that report's declaration as a saved variant (docs/reports.md, "Merged
duplicates"). Each opens from the index under its own name with its filters; its figures are
counted by hand on the hall of reports/tests/conftest.py (Monday 7 December 2026, 9:00).

On the job now: Adams at Alpha Electric (from Mon 7 Dec), Hill at Beta Builders (a short call
since Mon 16 Nov), Irwin at Beta Builders (from Mon 7 Dec). Evans was rolled off by staff today."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from referral import services as referral_services
from reports.tests.test_basic import export, figures, page, table

pytestmark = pytest.mark.django_db


def entry(client, lp_id):
    groups = client.get(reverse("admin:reports_index")).context["groups"]
    return next(e for e in groups["Custom"] if e.lp_id == lp_id)


def opened(client, lp_id, slug, query):
    """The index's line for `lp_id` opens report `slug` with `query`, headed with LaborPower's name."""
    line = entry(client, lp_id)
    assert line.url == reverse("admin:reports_report", args=[slug]) + query
    response = client.get(line.url)
    assert response.status_code == 200
    assert response.context["title"] == line.name
    return response


def test_too_many_days_is_the_roll_off_report_of_long_calls(hall, client, dispatcher):
    """Hill's short call runs past the short-call period and ends: rolled off as a long call (too
    many days). Evans (by staff) is not: 1 row, Hill, WIRE SEATTLE book 1."""
    referral_services.registration_roll_off_after_job(registration_id=hall.regs["Hill"].pk, by=dispatcher)
    client.force_login(dispatcher)
    for lp_id in ("C-30", "C-38"):
        response = opened(client, lp_id, "roll-off-report", f"?reason=long_call&variant={lp_id}")
        assert response.context["count"] == 1
        assert [row[3] for row in table(response)] == ["Hill, Pat"]
    # Short call dropped since the 90-day rule: not re-registered by the next working day; none here.
    assert opened(client, "C-35", "roll-off-report", "?reason=late_re_registration&variant=C-35").context["count"] == 0
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "roll-off-report", "xlsx", reason="long_call")))
    names = {cell for row in sheet.worksheets[0].iter_rows(min_row=2, values_only=True) for cell in row}
    assert "Hill, Pat" in names
    assert "Evans, Pat" not in names


def test_employee_count_by_employer_is_active_contractors(hall, client, dispatcher):
    """Alpha 1 (Adams), Beta 2 (Hill, Irwin): 2 employers, 1 + 2 = 3 employees."""
    client.force_login(dispatcher)
    for lp_id in ("C-05", "C-13"):
        response = opened(client, lp_id, "active-contractors", f"?variant={lp_id}")
        assert [(r[1], r[4]) for r in table(response)] == [("Alpha Electric", "1"), ("Beta Builders", "2")]
        assert figures(response) == {"Contractors": "2", "Members on the job": "3"}


def test_employment_history_by_period_is_the_historical_employee_report(hall, client, dispatcher):
    """16 Nov – 7 Dec: Adams (Alpha, 7 Dec: 1 day), Hill (Beta, 16 Nov to today: 15 + 7 = 22),
    Irwin (Beta, 1 day): 24 days."""
    client.force_login(dispatcher)
    opened(client, "C-14", "historical-employee-report", "?variant=C-14")
    period = {"date_from": "2026-11-16", "date_to": "2026-12-07", "variant": "C-14"}
    response = page(client, "historical-employee-report", **period)
    assert [(r[1], r[-1]) for r in table(response)] == [("Adams, Pat", "1"), ("Hill, Pat", "22"), ("Irwin, Pat", "1")]
    assert response.context["total_cells"][-1][0] == "24"
    lines = list(csv.reader(io.StringIO(export(client, "historical-employee-report", "csv", **period)
                                        .decode("utf-8-sig"))))  # fmt: skip
    assert sum(int(line[-1]) for line in lines[1:]) == 24


def test_gender_ethnic_is_the_eeoc_report_for_officers_only(hall, client, dispatcher, officer):
    """Dispatched in the last year: Hill, Adams, Irwin; none has demographics recorded: 3 not
    disclosed. Dispatchers do not see it (personal data)."""
    client.force_login(dispatcher)
    custom = client.get(reverse("admin:reports_index")).context["groups"]["Custom"]
    assert "C-18" not in [e.lp_id for e in custom]
    client.force_login(officer)
    response = opened(client, "C-18", "eeoc-report", "?variant=C-18")
    assert [(r[0], r[1]) for r in table(response)] == [("Not disclosed", "3")]


def test_raw_dispatch_data_is_the_day_book(hall, client, dispatcher):
    """Opened with today's dispatches: Adams to Alpha and Irwin to Beta (2)."""
    client.force_login(dispatcher)
    response = opened(client, "C-32", "daily-dispatch-log", "?variant=C-32")
    assert sorted(r[2] for r in table(response)) == ["Adams, Pat", "Irwin, Pat"]
    lines = list(csv.reader(io.StringIO(export(client, "daily-dispatch-log", "csv", date_from="2026-12-07",
                                               date_to="2026-12-07").decode("utf-8-sig"))))  # fmt: skip
    assert len(lines) == 3  # the header and two dispatches
