"""LaborPower's Basic tab (issue 24, item 1): each report on the hall of
reports/tests/conftest.py (Monday 7 December 2026, 9:00), its figures counted by hand, on the page
and in one file.

On the job now (accepted dispatches): Adams at Alpha Electric (start Mon 7 Dec), Hill at Beta
Builders (a short call since Mon 16 Nov), Irwin at Beta Builders (Mon 7 Dec); every request's
worksite is Pier 91."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.enums import DeclineKind

pytestmark = pytest.mark.django_db


def page(client, slug, **filters):
    response = client.get(reverse("admin:reports_report", args=[slug]), filters)
    assert response.status_code == 200, response.content[:400]
    return response


def export(client, slug, fmt, **filters) -> bytes:
    response = client.get(reverse("admin:reports_export", args=[slug, fmt]), filters)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def table(response) -> list[list[str]]:
    return [[text for text, _ in row] for kind, row in response.context["body"] if kind == "row"]


def groups(response) -> list[tuple[str, int]]:
    return [(item[0], item[1]) for kind, item in response.context["body"] if kind == "group"]


def figures(response) -> dict:
    return {label: value for kind, label, value in response.context["summary"] if kind == "figure"}


def test_active_contractors(hall, client, dispatcher):
    """Alpha: Adams (1, since 7 Dec). Beta: Hill and Irwin (2, since Hill's 16 Nov). 2 contractors,
    1 + 2 = 3 members on the job."""
    client.force_login(dispatcher)
    response = page(client, "active-contractors")
    rows = table(response)
    assert [(r[1], r[4], r[5]) for r in rows] == [("Alpha Electric", "1", "2026-12-07"),
                                                  ("Beta Builders", "2", "2026-11-16")]  # fmt: skip
    assert figures(response) == {"Contractors": "2", "Members on the job": "3"}
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "active-contractors", "xlsx"))).worksheets[0]
    assert [c.value for c in sheet[2]][1] == "Alpha Electric"
    assert sheet.cell(row=5, column=5).value == 3  # the total below a blank row: 1 + 2


def test_current_worksites(hall, client, dispatcher):
    """Pier 91: Alpha 1 (since 7 Dec), Beta 2 (since 16 Nov): 3 on the job at one site."""
    client.force_login(dispatcher)
    response = page(client, "current-worksites")
    assert groups(response) == [("Pier 91", 2)]
    assert [(r[0], r[1], r[2]) for r in table(response)] == [("Alpha Electric", "1", "2026-12-07"),
                                                             ("Beta Builders", "2", "2026-11-16")]  # fmt: skip
    lines = list(csv.reader(io.StringIO(export(client, "current-worksites", "csv").decode("utf-8-sig"))))
    assert lines == [["Worksite", "Employer", "On the job", "Earliest start"],
                     ["Pier 91", "Alpha Electric", "1", "2026-12-07"],
                     ["Pier 91", "Beta Builders", "2", "2026-11-16"]]  # fmt: skip


def test_offer_report_with_a_declined_offer(hall, client, dispatcher):
    """Monday's offers: Adams (accepted), Irwin (accepted), and Baker offered the open request who
    does not answer (declined, no answer): 3 offers; accepted 2 of 3 = 66.7%, declined 1 = 33.3%."""
    offer = dispatch_services.dispatch_offer(
        job_request_id=hall.requests["open"].pk, registration_id=hall.regs["Baker"].pk, by=dispatcher
    )
    dispatch_services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher, kind=DeclineKind.NO_ANSWER)
    client.force_login(dispatcher)
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    response = page(client, "offer-report", **monday)
    assert response.context["count"] == 3
    baker = next(r for r in table(response) if r[2] == "Baker, Pat")
    assert (baker[7], baker[8]) == ("Declined", "No answer")
    by_answer = next(value for kind, label, value in response.context["summary"] if label == "By answer")
    assert by_answer == [("Accepted (on the job)", "2", "66.7%"), ("Declined", "1", "33.3%")]
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "offer-report", "xlsx", **monday)))["Summary"]
    assert ("Declined", 1, "33.3%") in [tuple(c.value for c in row) for row in sheet.iter_rows()]


def test_dispatch_details_by_job_request(hall, client, dispatcher):
    """16 Nov – 7 Dec: three requests, one dispatch each — Hill's (Beta), Adams' (Alpha), Irwin's
    (Beta), in the order the requests were made; Beta alone: 2 requests."""
    client.force_login(dispatcher)
    weeks = {"date_from": "2026-11-16", "date_to": "2026-12-07"}
    response = page(client, "dispatch-details-by-job-request", **weeks)
    hill, adams, irwin = (str(hall.requests[n].pk) for n in ("hill", "adams", "irwin"))
    assert groups(response) == [(hill, 1), (adams, 1), (irwin, 1)]
    assert [r[3] for r in table(response)] == ["Hill, Pat", "Adams, Pat", "Irwin, Pat"]
    beta = page(client, "dispatch-details-by-job-request", **weeks, employer=hall.employers["beta"].pk)
    assert groups(beta) == [(hill, 1), (irwin, 1)]
    lines = list(csv.reader(io.StringIO(export(client, "dispatch-details-by-job-request", "csv", **weeks)
                                        .decode("utf-8-sig"))))  # fmt: skip
    assert [line[0] for line in lines[1:]] == [hill, adams, irwin]
    assert {line[9] for line in lines[1:]} == {"58.50"}
