"""Each referral report's rows and totals on the hall of conftest.py, as a person counts them."""

import datetime
from decimal import Decimal

import pytest

from referral.models import ReferralBook
from reports import framework
from reports.tests.conftest import FRIDAY, MONDAY

pytestmark = pytest.mark.django_db


def run(slug, sort="", **filters):
    """The report's rows (as the page shows them: typed values by accessor) and its totals."""
    report = framework.get(slug)
    form = report.form({k: v for k, v in filters.items() if v is not None})
    assert form.is_valid(), form.errors
    rows = report.rows(form.cleaned_data, sort)
    typed = [{c.accessor: c.value(r) for c in report.columns} for r in report.iterate(rows)]
    return typed, report.totals(rows), report.count(rows)


def col(rows, key):
    return [r[key] for r in rows]


def book(code):
    return ReferralBook.objects.get(code=code).pk


def positions(rows):
    return [(r["name"], r["position"]) for r in rows]


def test_the_registration_list_shows_every_tier_of_the_book_in_its_order_with_act_and_rel(hall):
    rows, _, count = run("out-of-work-list", book="WIRE SEATTLE")
    assert positions(rows) == [
        ("ADAMS, PAT", "0001 / 0000"),  # working: on the book, not referred
        ("BAKER, PAT", "0002 / 0001"),
        ("CLARK, PAT", "0003 / 0000"),  # exempt (union business): keeps the place, REL 0
        ("DAVIS, PAT", "0004 / 0002"),
        ("GREEN, PAT", "0005 / 0003"),
        ("HILL, PAT", "0006 / 0000"),  # short calls
        ("IRWIN, PAT", "0007 / 0000"),
        ("FOSTER, PAT", "0001 / 0001"),  # tier 2: both numbers start again at 1
        ("JONES, PAT", "0002 / 0000"),
    ]  # Evans, rolled off, is on no list
    assert col(rows, "tier") == ["WIRE SEATTLE : 1"] * 7 + ["WIRE SEATTLE : 2"] * 2
    assert col(rows, "work_status") == [
        "WORKING", "UNEMPLOYED", "EXEMPT", "UNEMPLOYED", "UNEMPLOYED", "SHORT CALL", "SHORT CALL", "UNEMPLOYED",
        "SICK LIST",
    ]  # fmt: skip
    assert col(rows, "check") == [None, 1, None, None, None, None, None, None, None]  # blank, not 0
    assert col(rows, "apn")[:3] == [Decimal("46000.01"), Decimal("46000.02"), Decimal("46000.03")]
    assert rows[0]["registered_at"] == datetime.datetime(2026, 12, 7, 9, 0, 0)
    assert count == 9


def test_the_registration_list_of_one_tier(hall):
    rows, _, count = run("out-of-work-list", book="WIRE SEATTLE", tier=2)
    assert positions(rows) == [("FOSTER, PAT", "0001 / 0001"), ("JONES, PAT", "0002 / 0000")]
    assert count == 2


def test_sorting_by_another_column_keeps_each_row_s_act_and_rel(hall):
    listed = dict(positions(run("out-of-work-list", book="WIRE SEATTLE")[0]))
    rows, _, _ = run("out-of-work-list", sort="-name", book="WIRE SEATTLE")
    assert col(rows, "name") == [  # sorted inside each tier: the tiers stay the groups
        "IRWIN, PAT", "HILL, PAT", "GREEN, PAT", "DAVIS, PAT", "CLARK, PAT", "BAKER, PAT", "ADAMS, PAT",
        "JONES, PAT", "FOSTER, PAT",
    ]  # fmt: skip
    assert dict(positions(rows)) == listed
    for sort in ("work_status", "-apn", "check", "-registered_at", "-position"):
        assert dict(positions(run("out-of-work-list", sort=sort, book="WIRE SEATTLE")[0])) == listed, sort


def test_a_book_s_id_from_an_old_link_shows_that_one_tier(hall):
    rows, _, _ = run("out-of-work-list", book=book("WIRE_SEA_2"))
    assert positions(rows) == [("FOSTER, PAT", "0001 / 0001"), ("JONES, PAT", "0002 / 0000")]


def test_the_registration_list_refuses_a_tier_the_book_does_not_have(hall):
    form = framework.get("out-of-work-list").form({"book": "WIRE SEATTLE", "tier": "5"})
    assert not form.is_valid()
    assert form.errors["tier"] == ["WIRE SEATTLE has no tier 5 (its tiers: 1, 2, 3, 4)."]
    form = framework.get("out-of-work-list").form({"book": "NO SUCH BOOK"})
    assert not form.is_valid()
    assert "book" in form.errors


def test_the_summary_counts_each_book_and_totals_them(hall):
    rows, totals, count = run("out-of-work-summary", region="seattle", classification="inside_wireperson")
    by_book = {r["name"]: (r["out_of_work"], r["exempt_count"], r["short_call"], r["dispatched"]) for r in rows}
    assert by_book["Inside Wireperson — Seattle Book 1"] == (4, 1, 2, 1)
    assert by_book["Inside Wireperson — Seattle Book 2"] == (2, 1, 0, 0)
    assert totals == {"out_of_work": 6, "exempt_count": 2, "short_call": 2, "dispatched": 1}
    assert count == len(by_book)


def test_the_summary_groups_books_by_region(hall):
    report = framework.get("out-of-work-summary")
    form = report.form({})
    assert form.is_valid()
    items = list(report.layout(report.rows(form.cleaned_data)))
    groups = [item[1] for item in items if item[0] == "group"]
    assert groups == sorted(groups)
    assert set(groups) == {"Seattle", "Bremerton", "Port Angeles"}
    assert items[-1][0] == "total"
    assert items[-1][1].sums["out_of_work"] == 6


def test_the_day_book_lists_today_s_dispatches_in_the_order_they_were_made(hall):
    rows, _, count = run("daily-dispatch-log", date_from=MONDAY, date_to=MONDAY)
    assert col(rows, "name") == ["Adams, Pat", "Irwin, Pat"]
    assert col(rows, "employer__name") == ["Alpha Electric", "Beta Builders"]
    assert col(rows, "type") == ["Normal", "Short call"]
    assert col(rows, "wage_rate") == [Decimal("58.50")] * 2
    assert count == 2


def test_the_day_book_over_three_weeks_has_hill_s_short_call_too(hall):
    rows, _, _ = run("daily-dispatch-log", date_from=datetime.date(2026, 11, 16), date_to=MONDAY)
    assert col(rows, "name") == ["Hill, Pat", "Adams, Pat", "Irwin, Pat"]


def test_the_job_request_register_counts_workers_wanted_and_dispatched(hall):
    rows, totals, count = run("job-request-register", date_from=FRIDAY, date_to=FRIDAY)
    assert count == 3  # Adams's, Irwin's and the open one, all taken on Friday
    assert totals == {"workers_wanted": 1 + 1 + 3, "dispatched": 2}
    assert col(rows, "status") == ["Filled", "Filled", "Open"]


def test_the_register_filters_by_employer(hall):
    rows, totals, _ = run("job-request-register", date_from=FRIDAY, date_to=FRIDAY, employer=hall.employers["beta"].pk)
    assert col(rows, "id") == [hall.requests["irwin"].pk]
    assert totals == {"workers_wanted": 1, "dispatched": 1}


def test_a_member_s_dispatch_history(hall):
    rows, _, count = run("member-dispatch-history", member=hall.member("Hill").card_number)
    assert count == 1
    assert rows[0]["employer__name"] == "Beta Builders"
    assert rows[0]["status"] == "Accepted (on the job)"


def test_an_employer_s_dispatch_history_is_newest_first(hall):
    rows, _, _ = run("employer-dispatch-history", employer=hall.employers["beta"].pk)
    assert col(rows, "name") == ["Irwin, Pat", "Hill, Pat"]


def test_re_sign_due_lists_the_due_and_the_overdue_but_not_the_exempt(hall):
    rows, _, _ = run("re-sign-due")  # due by a week from today
    assert [(r["name"], r["days_left"], r["state"]) for r in rows] == [
        ("Green, Pat", -10, "Overdue"),
        ("Davis, Pat", 2, "Due"),
    ]


def test_re_sign_due_by_a_later_day_takes_in_more(hall):
    rows, _, _ = run("re-sign-due", due_by=MONDAY + datetime.timedelta(days=30), book=book("WIRE_SEA_1"))
    # Baker re-signs in 30 days; Clark is exempt; Adams, Hill, Irwin are out on jobs.
    assert col(rows, "name") == ["Green, Pat", "Davis, Pat", "Baker, Pat"]


def test_the_roll_off_report_gives_who_and_why(hall):
    rows, _, count = run("roll-off-report", date_from=MONDAY, date_to=MONDAY)
    assert count == 1
    assert (rows[0]["name"], rows[0]["roll_off_reason"]) == ("Evans, Pat", "By staff")


def test_the_roll_off_report_filters_by_reason(hall):
    _, _, count = run("roll-off-report", date_from=MONDAY, date_to=MONDAY, reason="re_sign_missed")
    assert count == 0


def test_the_check_mark_report_nets_the_marks(hall):
    rows, totals, count = run("check-mark-report", date_from=MONDAY, date_to=MONDAY)
    assert [(r["name"], r["marks"], r["no_check_mark_reason"]) for r in rows] == [
        ("Baker, Pat", 1, ""),
        ("Davis, Pat", 0, "Medical (documented)"),
    ]
    assert totals == {"marks": 1}
    assert count == 2


def test_the_short_call_report_flags_the_overdue_call(hall):
    rows, _, _ = run("short-call-report")
    assert [(r["name"], r["overdue"]) for r in rows] == [("Hill, Pat", "Yes"), ("Irwin, Pat", "No")]
    overdue, _, _ = run("short-call-report", overdue_only=True)
    assert col(overdue, "name") == ["Hill, Pat"]


def test_exempt_members_on_their_book_or_by_their_own_flag(hall):
    rows, _, _ = run("exempt-members")
    assert [(r["name"], r["reason"], r["source"]) for r in rows] == [
        ("Clark, Pat", "Union business", "This book"),
        ("Jones, Pat", "Medically unfit", "Member (all books)"),
    ]
    assert rows[0]["until"] == datetime.date(2026, 12, 31)


def test_the_activity_audit_of_one_member(hall):
    rows, _, _ = run(
        "registration-activity-audit", date_from=MONDAY, date_to=MONDAY, member=hall.member("Baker").card_number
    )
    assert col(rows, "action") == ["Registered", "Check mark"]


def test_the_activity_audit_filters_by_action(hall):
    _, _, count = run("registration-activity-audit", date_from=MONDAY, date_to=MONDAY, action="register")
    assert count == 9  # every registration but Hill's (three weeks ago)


def test_the_bid_report_lists_the_bids_of_each_request(hall):
    rows, _, count = run("online-bid-report", date_from=MONDAY, date_to=MONDAY)
    assert count == 2
    assert col(rows, "name") == ["Baker, Pat", "Davis, Pat"]
    assert col(rows, "job_request_id") == [hall.requests["open"].pk] * 2
    assert col(rows, "registration__apn") == [Decimal("46000.02"), Decimal("46000.04")]


def test_employers_by_contract_code(hall):
    rows, _, count = run("employers-by-contract-code")
    assert [(r["contract_code"], r["employer__name"]) for r in rows] == [
        ("Sound & Communication", "Alpha Electric"),
        ("Wireperson", "Alpha Electric"),
        ("Wireperson", "Beta Builders"),
    ]
    _, _, wireperson = run("employers-by-contract-code", contract_code="WIREPERSON")
    assert (count, wireperson) == (3, 2)
