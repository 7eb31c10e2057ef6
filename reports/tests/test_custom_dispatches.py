"""LaborPower's Custom tab (issue 24): its reports of dispatches, requests and bids — the 30/180/365
DAYS FOLLOW-UP, Dispatched without 401K statement, Member Contact By Contractor (and By Dispatch
Date), JOB COUNT BY CATEGORY (with and without employer), the breakdowns by date, WEB BID HISTORY
— each on the hall of reports/tests/conftest.py (Monday 7 December 2026, 9:00), its figures
counted by hand below, on the page and in one file.

Dispatches (each taken, all at Pier 91, all journeyman): Hill to Beta on a short call (offered
and started Mon 16 Nov), Adams to Alpha and Irwin to Beta (offered today 9:00, starting today).
Requests: #Hill (Beta, taken Fri 13 Nov, 1 wanted, 1 dispatched), #Adams (Alpha, Fri 4 Dec, 1, 1),
#Irwin (Beta, Fri 4 Dec, 1, 1), #Open (Alpha, Fri 4 Dec, 3 wanted, 0); all of category Normal.
Online bids on #Open by Baker and Davis (WIRE_SEA_1), placed today."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dispatch import services as dispatch_services
from members import services as member_services
from reports.tests.conftest import MONDAY
from reports.tests.test_basic import export, figures, groups, page, table
from reports.tests.test_custom_copies import opened
from reports.tests.test_pages import pdf_text

pytestmark = pytest.mark.django_db
D = datetime.date


def lines(client, slug, **filters):
    return list(csv.reader(io.StringIO(export(client, slug, "csv", **filters).decode("utf-8-sig"))))


def test_follow_ups_after_30_180_and_365_days(hall, client, dispatcher):
    """30 days after Hill's start (16 Nov) is Wed 16 Dec: the week 14–20 Dec has Hill alone.
    30 days after 7 Dec is 6 Jan 2027: 4–10 Jan has Adams and Irwin. 180 days after 7 Dec: 24 to
    31 Dec, 31 Jan, 28 Feb, 31 Mar, 30 Apr, 31 May is 180 − 24 − 151 = 5 Jun 2027 (Hill's is 15 May).
    This week (7–13 Dec), 180 days back is 10–16 Jun 2026: nobody."""
    client.force_login(dispatcher)
    response = page(client, "follow-ups", days="30", date_from="2026-12-14", date_to="2026-12-20")
    assert [(r[0], r[2], r[5], r[7]) for r in table(response)] == [
        ("2026-11-16", "Hill, Pat", "Beta Builders", "Accepted (on the job)"),
    ]  # fmt: skip
    response = page(client, "follow-ups", days="30", date_from="2027-01-04", date_to="2027-01-10")
    assert [r[2] for r in table(response)] == ["Adams, Pat", "Irwin, Pat"]
    assert opened(client, "C-01", "follow-ups", "?days=180&variant=C-01").context["count"] == 0
    assert [line[2] for line in lines(client, "follow-ups", days="180", date_from="2027-06-05",
                                      date_to="2027-06-05")[1:]] == ["Adams, Pat", "Irwin, Pat"]  # fmt: skip
    assert opened(client, "C-03", "follow-ups", "?days=365&variant=C-03").context["count"] == 0
    # 365 days after 16 Nov 2026 is 16 Nov 2027
    assert [r[2] for r in table(page(client, "follow-ups", days="365", date_from="2027-11-16",
                                     date_to="2027-11-16"))] == ["Hill, Pat"]  # fmt: skip


def test_dispatched_without_401k_statement(hall, client, dispatcher):
    """Adams' statement comes in: Hill and Irwin are left, 2; Beta alone: the same 2."""
    dispatch_services.dispatch_statement_401k(dispatch_id=hall.dispatches["adams"].pk, by=dispatcher)
    client.force_login(dispatcher)
    weeks = {"date_from": "2026-11-16", "date_to": "2026-12-07"}
    response = opened(client, "C-11", "dispatched-without-401k-statement", "")
    assert [r[2] for r in table(response)] == ["Hill, Pat", "Irwin, Pat"]  # the last 90 days, from 8 Sep
    response = page(client, "dispatched-without-401k-statement", **weeks)
    assert [r[2] for r in table(response)] == ["Hill, Pat", "Irwin, Pat"]
    assert figures(response) == {"Without a statement": "2"}
    body = lines(client, "dispatched-without-401k-statement", **weeks, employer=hall.employers["beta"].pk)
    assert [line[2] for line in body[1:]] == ["Hill, Pat", "Irwin, Pat"]


def test_member_contact_by_contractor_and_by_dispatch_date(hall, client, dispatcher):
    """16 Nov – 7 Dec: Alpha at Pier 91: Adams; Beta at Pier 91: Hill, Irwin. By dispatch date:
    Hill (16 Nov), then Adams and Irwin (today, in the order offered)."""
    client.force_login(dispatcher)
    weeks = {"date_from": "2026-11-16", "date_to": "2026-12-07"}
    response = page(client, "member-contact-by-contractor", **weeks)
    assert [(r[0], r[1], r[4]) for r in table(response)] == [
        ("Alpha Electric", "Pier 91", "Adams, Pat"), ("Beta Builders", "Pier 91", "Hill, Pat"),
        ("Beta Builders", "Pier 91", "Irwin, Pat"),
    ]  # fmt: skip
    adams = hall.member("Adams")
    assert table(response)[0][5] == str(adams.phone)
    opened(client, "C-28", "member-contact-by-contractor", "?sort=offered_at&variant=C-28")
    by_date = page(client, "member-contact-by-contractor", **weeks, sort="offered_at")
    assert [r[4] for r in table(by_date)] == ["Hill, Pat", "Adams, Pat", "Irwin, Pat"]
    beta = lines(client, "member-contact-by-contractor", **weeks, employer=hall.employers["beta"].pk,
                 sort="offered_at")  # fmt: skip
    assert [(line[0], line[2], line[4]) for line in beta[1:]] == [
        ("Beta Builders", "2026-11-16", "Hill, Pat"), ("Beta Builders", "2026-12-07", "Irwin, Pat"),
    ]  # fmt: skip


def test_job_count_by_category_with_and_without_employer(hall, client, dispatcher):
    """Beta adds a TERO request today for 2. 13 Nov – 7 Dec: Normal 4 requests, 1 + 1 + 1 + 3 = 6
    wanted, 3 dispatched; TERO 1, 2, 0. Totals 5, 8, 3; fill rate 3 / 8 = 37.5%. By employer:
    Alpha Normal 2, 4, 1; Beta Normal 2, 2, 2 and TERO 1, 2, 0."""
    dispatch_services.job_request_create(
        by=dispatcher, employer_id=hall.employers["beta"].pk, book_classification="inside_wireperson",
        region="seattle", workers_wanted=2, start_date=MONDAY + datetime.timedelta(days=3),
        report_time=datetime.time(7), worksite="Pier 91", category="tero",
    )  # fmt: skip
    client.force_login(dispatcher)
    dates = {"date_from": "2026-11-13", "date_to": "2026-12-07"}
    response = page(client, "job-count-by-category", **dates)
    assert table(response) == [["Normal", "4", "6", "3"], ["TERO (tribal employment)", "1", "2", "0"]]
    assert [t for t, _ in response.context["total_cells"]] == ["", "5", "8", "3"]
    assert figures(response) == {"Fill rate": "37.5%"}
    with_employer = page(client, "job-count-by-category-with-employer", **dates)
    assert groups(with_employer) == [("Alpha Electric", 1), ("Beta Builders", 2)]
    assert table(with_employer) == [["Normal", "2", "4", "1"], ["Normal", "2", "2", "2"],
                                    ["TERO (tribal employment)", "1", "2", "0"]]  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "job-count-by-category", "xlsx", **dates))).worksheets[0]
    assert [c.value for c in sheet[2]] == ["Normal", 4, 6, 3]


def test_class_breakdown_by_date_for_dispatchers(hall, client, dispatcher):
    """Took a job in the last year: Hill, Adams, Irwin, all Inside Wirepersons: 3."""
    client.force_login(dispatcher)
    response = opened(client, "C-09", "class-breakdown-by-date", "")
    assert table(response) == [["Inside Wireperson (Journeyman)", "3"]]
    assert lines(client, "class-breakdown-by-date")[1:] == [["Inside Wireperson (Journeyman)", "3"]]


def test_demographic_breakdowns_by_date_for_officers_only(hall, client, dispatcher, officer):
    """Adams: female, Hispanic or Latino, born 1 Mar 1990 (36 on 7 Dec 2026: 35–44). Hill: male,
    White, born 8 Dec 1961 (64 on 7 Dec 2026, 65 the next day: 55–64). Irwin: none recorded."""
    m = hall.member
    member_services.member_demographics_set(
        member_id=m("Adams").pk, by=officer, gender="female", race="hispanic", birth_date=D(1990, 3, 1)
    )
    member_services.member_demographics_set(
        member_id=m("Hill").pk, by=officer, gender="male", race="white", birth_date=D(1961, 12, 8)
    )
    client.force_login(dispatcher)
    custom = [e.lp_id for e in client.get(reverse("admin:reports_index")).context["groups"]["Custom"]]
    assert not {"C-06", "C-10", "C-15", "C-16", "C-17"} & set(custom)
    assert client.get(reverse("admin:reports_report", args=["breakdown-by-date"])).status_code == 403
    client.force_login(officer)
    ages = opened(client, "C-06", "breakdown-by-date", "?by=age")
    assert table(ages) == [["35–44", "", "1"], ["55–64", "", "1"], ["Not recorded", "", "1"]]
    gender = opened(client, "C-16", "breakdown-by-date", "?by=gender&variant=C-16")
    assert table(gender) == [["Female", "", "1"], ["Male", "", "1"], ["Not recorded", "", "1"]]
    both = opened(client, "C-17", "breakdown-by-date", "?by=gender_ethnicity&variant=C-17")
    assert table(both) == [["Female", "Hispanic or Latino", "1"], ["Male", "White", "1"],
                           ["Not recorded", "Not recorded", "1"]]  # fmt: skip
    assert table(opened(client, "C-15", "breakdown-by-date", "?by=ethnicity&variant=C-15"))[0] == [
        "Hispanic or Latino", "", "1"
    ]  # fmt: skip
    classes = opened(client, "C-10", "breakdown-by-date", "?by=class_gender&variant=C-10")
    assert [r[1] for r in table(classes)] == ["Female", "Male", "Not recorded"]
    # A variant's link carries no days: the last 365, 7 Dec 2025 to today
    assert ("From", "2025-12-07") in classes.context["filters_text"]
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "breakdown-by-date", "xlsx", by="age"))).worksheets[0]
    assert [c.value for c in sheet[3]] == ["55–64", None, 1]
    _, text = pdf_text(export(client, "breakdown-by-date", "pdf", by="gender"))
    assert "AGE BREAKDOWN BY DATE" in text
    assert "Female" in text
    assert "Not recorded" in text
    client.force_login(dispatcher)
    assert client.get(reverse("admin:reports_export", args=["breakdown-by-date", "pdf"])).status_code == 403


def test_web_bid_history_by_member_and_book(hall, client, dispatcher):
    """Baker's and Davis' bids on #Open, on WIRE_SEA_1 (Inside Wireperson, Seattle): 2 members, a
    bid each; on a Bremerton book, none; Baker's alone: 1."""
    client.force_login(dispatcher)
    response = opened(client, "C-42", "web-bid-history", "")
    assert groups(response) == [("Baker, Pat", 1), ("Davis, Pat", 1)]
    seattle = opened(client, "C-44", "web-bid-history", "?classification=inside_wireperson&region=seattle&variant=C-44")
    assert seattle.context["count"] == 2
    assert dict(seattle.context["filters_text"])["From"] == "2026-11-07"  # the last 30 days
    assert (
        opened(client, "C-43", "web-bid-history", "?classification=inside_wireperson&variant=C-43").context["count"]
        == 2
    )
    assert page(client, "web-bid-history", region="bremerton").context["count"] == 0
    baker = lines(client, "web-bid-history", member=hall.member("Baker").card_number)
    assert [(line[0], line[7]) for line in baker[1:]] == [("Baker, Pat", "Pending")]
    assert (
        client.get(reverse("admin:reports_report", args=["web-bid-history"]), {"member": "nobody"}).status_code == 400
    )
