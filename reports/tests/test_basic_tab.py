"""The rest of LaborPower's Basic tab (issue 24, item 1): Request Activity, the X-Out call list,
the Daily and Monthly Referral Summary, Cope Checkoff, the Historical Registration List and
Dropped & Re-Registered, each on the hall of reports/tests/conftest.py (Monday 7 December 2026,
9:00 in Seattle), its figures counted by hand in the docstrings, on the page and in one file.

The hall's offers: Hill (Beta, short call) on Mon 16 Nov; Adams (Alpha) and Irwin (Beta, short
call) on Mon 7 Dec; all three accepted. Requests: Hill's (taken Fri 13 Nov), Adams', Irwin's and
the open one (Alpha, 3 wanted, bids by Baker and Davis), the last three taken Fri 4 Dec 10:00."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.enums import DeclineKind
from members import services as member_services
from referral import services as referral_services
from reports.tests.conftest import MONDAY
from reports.tests.test_basic import export, figures, groups, page, table
from reports.tests.test_pages import pdf_text
from unioncore.testing import at

pytestmark = pytest.mark.django_db

D = datetime.date
TUESDAY = MONDAY + datetime.timedelta(days=1)


def baker_declines_on_tuesday(hall, dispatcher):
    """Tuesday 8 Dec 10:00: the open request offered to Baker, who does not answer."""
    with time_machine.travel(at(TUESDAY, 10), tick=False):
        offer = dispatch_services.dispatch_offer(
            job_request_id=hall.requests["open"].pk, registration_id=hall.regs["Baker"].pk, by=dispatcher
        )
        dispatch_services.dispatch_decline(dispatch_id=offer.pk, by=dispatcher, kind=DeclineKind.NO_ANSWER)


def csv_lines(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_daily_referral_summary_and_its_monthly_variant(hall, client, dispatcher):
    """16 Nov – 8 Dec, a line a day: 16 Nov Hill (1 offer, 1 filled, 1 short call, 1 member, 1
    employer); 7 Dec Adams and Irwin (2 offers, 2 filled, 1 short call — Irwin's —, 2 members, 2
    employers); 8 Dec Baker (1 offer, 0 filled, 1 declined). Offers 1 + 2 + 1 = 4, filled
    1 + 2 + 0 = 3: 3 / 4 = 75.0%. A month a line: November 1 offer; December 2 + 1 = 3 offers,
    2 filled, 1 declined, 1 short call, 3 members (Adams, Irwin, Baker), 2 employers."""
    baker_declines_on_tuesday(hall, dispatcher)
    client.force_login(dispatcher)
    weeks = {"date_from": "2026-11-16", "date_to": "2026-12-08"}
    daily = page(client, "referral-summary", **weeks)
    assert table(daily) == [
        ["2026-11-16", "1", "1", "0", "1", "1", "1"],
        ["2026-12-07", "2", "2", "0", "1", "2", "2"],
        ["2026-12-08", "1", "0", "1", "0", "1", "1"],
    ]
    assert figures(daily) == {"Offers": "4", "Places filled": "3", "Filled of offers": "75.0%"}
    monthly = page(client, "referral-summary", **weeks, period="month", variant="B-12")
    assert monthly.context["title"] == "Monthly Referral Summary"
    assert table(monthly) == [
        ["2026-11-01", "1", "1", "0", "1", "1", "1"],
        ["2026-12-01", "3", "2", "1", "1", "3", "2"],
    ]
    assert [t for t, _ in monthly.context["total_cells"]][:5] == ["", "4", "3", "1", "2"]
    bad = client.get(reverse("admin:reports_report", args=["referral-summary"]), {**weeks, "book": "NO SUCH BOOK"})
    assert bad.status_code == 400
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "referral-summary", "xlsx", **weeks, period="month")))
    rows = [[c.value for c in row] for row in sheet.worksheets[0].iter_rows(min_row=2, max_row=3)]
    assert [r[1:] for r in rows] == [[1, 1, 0, 1, 1, 1], [3, 2, 1, 1, 3, 2]]
    assert ("Filled of offers", "75.0%") in [tuple(c.value for c in row) for row in sheet["Summary"].iter_rows()]


def test_the_monthly_variant_is_listed_on_the_basic_tab(client, dispatcher):
    client.force_login(dispatcher)
    basic = client.get(reverse("admin:reports_index")).context["groups"]["Basic"]
    monthly = next(e for e in basic if e.lp_id == "B-12")
    assert monthly.report.slug == "referral-summary"
    assert monthly.query == {"period": "month", "variant": "B-12"}


def test_request_activity(hall, client, dispatcher):
    """4–8 Dec: Adams' request (Alpha, 1 wanted, 1 offer, 1 filled), Irwin's (Beta, 1, 1, 1), the
    open one (Alpha, 3 wanted, Baker's offer declined, 2 bids). Wanted 1 + 1 + 3 = 5, filled
    1 + 1 + 0 = 2: 2 / 5 = 40.0%. Alpha alone: wanted 1 + 3 = 4, filled 1: 25.0%. From 13 Nov
    Hill's request is one more: 6 wanted, 3 filled, 50.0%."""
    baker_declines_on_tuesday(hall, dispatcher)
    client.force_login(dispatcher)
    days = {"date_from": "2026-12-04", "date_to": "2026-12-08"}
    response = page(client, "request-activity", **days)
    adams, irwin, open_ = (str(hall.requests[n].pk) for n in ("adams", "irwin", "open"))
    assert [[r[0], r[2], r[5], r[6], r[7], r[8], r[9], r[10]] for r in table(response)] == [
        [adams, "Alpha Electric", "1", "1", "1", "0", "0", "Filled"],
        [irwin, "Beta Builders", "1", "1", "1", "0", "0", "Filled"],
        [open_, "Alpha Electric", "3", "1", "0", "1", "2", "Open"],
    ]
    assert figures(response) == {"Requests": "3", "Workers wanted": "5", "Places filled": "2", "Fill rate": "40.0%"}
    alpha = page(client, "request-activity", **days, employer=hall.employers["alpha"].pk)
    assert figures(alpha)["Fill rate"] == "25.0%"
    since = page(client, "request-activity", date_from="2026-11-13", date_to="2026-12-08")
    assert figures(since) == {"Requests": "4", "Workers wanted": "6", "Places filled": "3", "Fill rate": "50.0%"}
    lines = csv_lines(export(client, "request-activity", "csv", **days))
    assert lines[0][:6] == ["Request", "Taken", "Employer", "Book", "Worksite", "Wanted"]
    assert [line[5:10] for line in lines[1:]] == [["1", "1", "1", "0", "0"], ["1", "1", "1", "0", "0"],
                                                  ["3", "1", "0", "1", "2"]]  # fmt: skip


def test_x_out_call_list(hall, client, dispatcher):
    """The open request (3 wanted) referred on Monday: the book's order from tier 1 — Baker
    (46000.02) referred, Davis (.04) referred, Green (.06) crossed out: his re-sign is 10 days
    overdue —, then tier 2, Foster (46001.01) referred, the third place. Adams, Hill and Irwin are
    on jobs, Evans rolled off, Clark and Jones exempt: not on the list. 1 run, 3 referred, 1
    crossed out."""
    dispatch_services.referral_run(job_request_id=hall.requests["open"].pk, by=dispatcher)
    client.force_login(dispatcher)
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    response = page(client, "call-list", **monday)
    assert [(r[3], r[4], r[5], r[6], r[8], r[9]) for r in table(response)] == [
        ("1", "1", "46000.02", hall.member("Baker").card_number, "Referred", ""),
        ("2", "1", "46000.04", hall.member("Davis").card_number, "Referred", ""),
        ("3", "1", "46000.06", hall.member("Green").card_number, "Skipped (not eligible)",
         "Re-sign overdue (rolled off at the next nightly run)"),
        ("4", "2", "46001.01", hall.member("Foster").card_number, "Referred", ""),
    ]  # fmt: skip
    assert figures(response) == {"Runs": "1", "Referred": "3", "Crossed out": "1"}
    assert table(page(client, "call-list", date_from="2026-12-08", date_to="2026-12-08")) == []
    lines = csv_lines(export(client, "call-list", "csv", **monday))
    assert [line[8] for line in lines[1:]] == ["Baker, Pat", "Davis, Pat", "Green, Pat", "Foster, Pat"]
    _, text = pdf_text(export(client, "call-list", "pdf", **monday))
    assert "X-Out List Call List" in text
    assert "Re-sign overdue" in text
    assert text.index("Baker, Pat") < text.index("Davis, Pat") < text.index("Green, Pat") < text.index("Foster, Pat")


def test_cope_checkoff_by_employer(hall, client, dispatcher):
    """Checkoffs: Adams $5.00 from 1 Nov (on the job at Alpha since today), Irwin $2.50 from 1 Dec
    (Beta since today), Hill $3.00 1 Oct – 30 Nov (Beta: his job began 16 Nov), Baker $4.00 from
    1 Dec (out of work). Today: Hill's has ended — (not working) Baker 4.00, Alpha 5.00, Beta 2.50:
    3 checkoffs, 4.00 + 5.00 + 2.50 = $11.50. From 1 Nov, Hill's too: Beta 2.50 + 3.00 = 5.50,
    4 checkoffs, $14.50."""
    for name, amount, start, end in (("Adams", "5.00", D(2026, 11, 1), None), ("Irwin", "2.50", D(2026, 12, 1), None),
                                     ("Hill", "3.00", D(2026, 10, 1), D(2026, 11, 30)),
                                     ("Baker", "4.00", D(2026, 12, 1), None)):  # fmt: skip
        member_services.cope_checkoff_record(
            by=dispatcher, member_id=hall.member(name).pk, amount=Decimal(amount), started_on=start, ended_on=end
        )
    client.force_login(dispatcher)
    today = page(client, "cope-checkoff")
    assert [(g, n) for g, n in groups(today)] == [("(not working)", 1), ("Alpha Electric", 1), ("Beta Builders", 1)]
    assert [(r[1], r[2]) for r in table(today)] == [("Baker, Pat", "$4.00"), ("Adams, Pat", "$5.00"),
                                                    ("Irwin, Pat", "$2.50")]  # fmt: skip
    assert figures(today) == {"Checkoffs": "3", "A pay period, all employers": "$11.50"}
    since = page(client, "cope-checkoff", date_from="2026-11-01", date_to="2026-12-07")
    assert [r[1] for r in table(since)][-2:] == ["Hill, Pat", "Irwin, Pat"]
    assert figures(since) == {"Checkoffs": "4", "A pay period, all employers": "$14.50"}
    sheet = openpyxl.load_workbook(
        io.BytesIO(export(client, "cope-checkoff", "xlsx", date_from="2026-11-01", date_to="2026-12-07"))
    ).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [v[0] for v in values[:4]] == ["(not working)", "Alpha Electric", "Beta Builders", "Beta Builders"]
    assert values[-1][3] == Decimal("14.50")  # the total below the blank row


def test_historical_registration_list(hall, client, dispatcher):
    """Sunday 6 Dec, only Hill had been saved (registered 16 Nov, on his short call since). At
    the end of Monday: tier 1 Adams (dispatched), Baker, Clark, Davis, Green, Hill and Irwin (short
    calls) — Evans was rolled off — and tier 2 Foster and Jones: 7 + 2 = 9. On Tuesday Baker is
    rolled off: Monday's list still has him (with his check mark), Tuesday's has 8."""
    with time_machine.travel(at(TUESDAY, 10), tick=False):
        referral_services.registration_roll_off(registration_id=hall.regs["Baker"].pk, by=dispatcher, reason="Moved")
    client.force_login(dispatcher)
    sunday = page(client, "historical-registration-list", as_of="2026-12-06")
    assert [(r[2], r[4]) for r in table(sunday)] == [("Hill, Pat", "On a short call")]
    monday = page(client, "historical-registration-list", as_of="2026-12-07")
    assert monday.context["count"] == 9
    names = [r[2].split(",")[0] for r in table(monday)]
    assert names == ["Adams", "Baker", "Clark", "Davis", "Green", "Hill", "Irwin", "Foster", "Jones"]
    baker = table(monday)[1]
    assert (baker[0], baker[4], baker[5]) == ("46000.02", "Registered (out of work)", "1")
    tuesday = page(client, "historical-registration-list", as_of="2026-12-08")
    assert tuesday.context["count"] == 8
    assert "Baker, Pat" not in [r[2] for r in table(tuesday)]
    tier2 = page(client, "historical-registration-list", as_of="2026-12-07", tier="2")
    assert [r[2] for r in table(tier2)] == ["Foster, Pat", "Jones, Pat"]
    lines = csv_lines(export(client, "historical-registration-list", "csv", as_of="2026-12-07"))
    assert len(lines) == 1 + 9
    assert lines[2][1:4] == ["46000.02", hall.member("Baker").card_number, "Baker, Pat"]


def test_dropped_and_re_registered(hall, client, dispatcher):
    """Evans was rolled off by staff at 9:00 today and registers again at 11:00 (new APN
    46000.50); Green is rolled off at 10:00 and does not: 1 row, Evans'."""
    with time_machine.travel(at(MONDAY, 10), tick=False):
        referral_services.registration_roll_off(registration_id=hall.regs["Green"].pk, by=dispatcher, reason="Moved")
    with time_machine.travel(at(MONDAY, 11), tick=False):
        referral_services.registration_register(
            member_id=hall.member("Evans").pk, book_id=hall.regs["Evans"].book_id, by=dispatcher, apn="46000.50"
        )
    client.force_login(dispatcher)
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    response = page(client, "dropped-and-re-registered", **monday)
    assert [(r[2], r[3], r[4], r[5], r[6], r[7]) for r in table(response)] == [
        ("Evans, Pat", "2026-12-07 09:00", "By staff", "46000.05", "2026-12-07 11:00", "46000.50")
    ]
    assert figures(response) == {"Rolled off and back": "1"}
    assert table(page(client, "dropped-and-re-registered", date_from="2026-12-08", date_to="2026-12-08")) == []
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "dropped-and-re-registered", "xlsx", **monday)))
    row = [c.value for c in sheet.worksheets[0][2]]
    assert (row[2], row[5], row[7]) == ("Evans, Pat", 46000.05, 46000.50)
