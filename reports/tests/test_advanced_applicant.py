"""LaborPower's Advanced and Applicant tabs (issue 24): every report on a hall a person can count,
the figures worked out by hand below (never read back from the code), on the page and in Excel.

The hall of conftest.py (Monday 7 December 2026, 9:00), and more:

- Kent and Lee sign WIRE BREMERTON Book 1 on Thu 1 Oct. Kent goes to Beta Builders (Navy Yard)
  from Mon 5 Oct and quits on Fri 20 Nov (terminated: rolled off every book). Lee is asked for
  by name by Alpha Electric (Shipyard) from Mon 2 Nov and laid off on Fri 4 Dec: 33 days
  (2–30 Nov is 29, 1–4 Dec 4), within the 90 Day Rule, so the APN is held (a short call's hold)
  and 33 days are counted on calls. Alpha asks for 2 more at the Shipyard from Wed 9 Dec.
- Travelers: Foster from local 0077 since 2 Nov; Green from 0112, 1 Sep to 30 Oct; Jones from 0048
  since 1 Dec; Irwin from 0191 since 30 Nov (on Beta's short call).
- Stewards: Adams for Alpha at Pier 91 since today; Hill for Beta (all its work), 1 Jun to 30 Nov.
- Travel letters: Baker to 0077 on 1 Dec, Davis to 0112 on 20 Nov.
- Skills: Baker holds cable splicing (to 30 Jun 2027) and a lift card (no expiry); Davis a lift card
  (to 31 Dec 2026).
- Demographics (an officer's): Adams female, Hispanic or Latino; Hill and Kent male, White; none
  for the others. Baker's ID photo is on file.
"""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from dispatch import services as dispatch_services
from members import services as member_services
from members.models import Member, Skill
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from reports import framework
from reports.tests.conftest import MONDAY, build_hall
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # the days are counted on make run's SQLite too
D = datetime.date


def _request(by, employer, *, taken, start, region="bremerton", worksite="Navy Yard", wanted=1, **terms):
    return dispatch_services.job_request_create(
        by=by, employer_id=employer.pk, book_classification="inside_wireperson", region=region,
        workers_wanted=wanted, start_date=start, report_time=datetime.time(7), worksite=worksite,
        wage_rate="58.50", taken_at=taken, **terms,
    )  # fmt: skip


@pytest.fixture(scope="module")
def _people(django_db_setup, django_db_blocker):
    from django.db import transaction

    from unioncore.tests.factories import StaffFactory

    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(at(MONDAY, 9), tick=False):
            dispatcher = StaffFactory(groups=["dispatcher"], username="people_dispatcher")
            officer = StaffFactory(groups=["officer"], username="people_officer")
            hall = build_hall(dispatcher)
        bremerton = ReferralBook.objects.get(code="WIRE_BRE_1")
        alpha, beta = hall.employers["alpha"], hall.employers["beta"]
        people = {}
        with time_machine.travel(at(D(2026, 10, 1), 9), tick=False):
            for name, apn in (("Kent", "46100.01"), ("Lee", "46100.02")):
                member = MemberFactory(last_name=name, first_name="Pat")
                people[name] = referral_services.registration_register(
                    member_id=member.pk, book_id=bremerton.pk, by=dispatcher, apn=apn
                )
        with time_machine.travel(at(D(2026, 10, 1), 10), tick=False):
            kent_request = _request(dispatcher, beta, taken=at(D(2026, 10, 1), 10), start=D(2026, 10, 5))
            kent = dispatch_services.dispatch_offer(
                job_request_id=kent_request.pk, registration_id=people["Kent"].pk, by=dispatcher
            )
            dispatch_services.dispatch_accept(dispatch_id=kent.pk, by=dispatcher)
        with time_machine.travel(at(D(2026, 10, 30), 10), tick=False):
            lee_request = _request(
                dispatcher, alpha, taken=at(D(2026, 10, 29), 10), start=D(2026, 11, 2), worksite="Shipyard",
                by_name_member_ids=[people["Lee"].member_id], by_name_attested=True,
            )  # fmt: skip
            lee = dispatch_services.dispatch_offer(
                job_request_id=lee_request.pk, registration_id=people["Lee"].pk, by=dispatcher
            )
            dispatch_services.dispatch_accept(dispatch_id=lee.pk, by=dispatcher)
        with time_machine.travel(at(D(2026, 11, 20), 16), tick=False):
            dispatch_services.dispatch_end(
                dispatch_id=kent.pk, by=dispatcher, end_reason="quit", end_date=D(2026, 11, 20)
            )
        with time_machine.travel(at(D(2026, 12, 4), 16), tick=False):
            dispatch_services.dispatch_end(
                dispatch_id=lee.pk, by=dispatcher, end_reason="laid_off", end_date=D(2026, 12, 4)
            )
        with time_machine.travel(at(MONDAY, 9), tick=False):
            shipyard = _request(
                dispatcher, alpha, taken=at(MONDAY, 9), start=D(2026, 12, 9), worksite="Shipyard", wanted=2
            )
            m = hall.member
            for member, local, arrived, left in (
                (m("Foster"), "0077", D(2026, 11, 2), None),
                (m("Green"), "0112", D(2026, 9, 1), D(2026, 10, 30)),
                (m("Jones"), "0048", D(2026, 12, 1), None),
                (m("Irwin"), "0191", D(2026, 11, 30), None),
            ):
                member_services.traveler_record(
                    by=dispatcher, member_id=member.pk, home_local=local, arrived_on=arrived, left_on=left
                )
            dispatch_services.steward_record(
                by=dispatcher, member_id=m("Adams").pk, employer_id=alpha.pk, worksite="Pier 91", appointed_on=MONDAY
            )
            dispatch_services.steward_record(
                by=dispatcher, member_id=m("Hill").pk, employer_id=beta.pk, appointed_on=D(2026, 6, 1),
                ended_on=D(2026, 11, 30),
            )  # fmt: skip
            member_services.travel_letter_issue(
                member_id=m("Baker").pk, to_local="0077", by=dispatcher, issued_on=D(2026, 12, 1)
            )
            member_services.travel_letter_issue(
                member_id=m("Davis").pk, to_local="0112", by=dispatcher, issued_on=D(2026, 11, 20)
            )
            cable = Skill.objects.create(code="cable-splicing-t", name="Cable splicing")
            lift = Skill.objects.create(code="lift-card-t", name="Lift card")
            member_services.member_skill_grant(
                member_id=m("Baker").pk, skill_id=cable.pk, by=dispatcher, expires_on=D(2027, 6, 30)
            )
            member_services.member_skill_grant(member_id=m("Baker").pk, skill_id=lift.pk, by=dispatcher)
            member_services.member_skill_grant(
                member_id=m("Davis").pk, skill_id=lift.pk, by=dispatcher, expires_on=D(2026, 12, 31)
            )
            for name, gender, race in (("Adams", "female", "hispanic"), ("Hill", "male", "white")):
                member_services.member_demographics_set(member_id=m(name).pk, by=officer, gender=gender, race=race)
            member_services.member_demographics_set(
                member_id=people["Kent"].member_id, by=officer, gender="male", race="white"
            )
            Member.objects.filter(pk=m("Baker").pk).update(photo="members/photos/baker.jpg")  # a file on record
        hall.regs.update(people)
        hall.requests.update(kent=kent_request, lee=lee_request, shipyard=shipyard)
        hall.staff = {"dispatcher": dispatcher, "officer": officer}
        yield hall
        transaction.set_rollback(True)


@pytest.fixture
def people(_people, db):
    with time_machine.travel(at(MONDAY, 9), tick=False):
        yield _people


def run(slug, **filters):
    """The report's rows (typed values by accessor), its totals and count, as the page has them."""
    report = framework.get(slug)
    form = report.form({k: v for k, v in filters.items() if v is not None})
    assert form.is_valid(), form.errors
    rows = report.rows(form.cleaned_data, "")
    typed = [{c.accessor: c.value(r) for c in report.columns} for r in report.iterate(rows)]
    return typed, report.totals(rows), report.count(rows)


def col(rows, key):
    return [r[key] for r in rows]


def card(people, name):
    return people.member(name).card_number


# --- The Advanced tab ---


def test_current_employee_report_lists_who_is_on_a_job_by_employer(people):
    rows, totals, count = run("current-employee-report")
    # Accepted, not ended: Adams (Alpha, from today), Hill (Beta's short call since Mon 16 Nov),
    # Irwin (Beta, from today). Kent quit and Lee was laid off: not on a job.
    assert [(r["employer__name"], r["name"]) for r in rows] == [
        ("Alpha Electric", "Adams, Pat"), ("Beta Builders", "Hill, Pat"), ("Beta Builders", "Irwin, Pat"),
    ]  # fmt: skip
    # Days count the start day: Adams 1; Hill 16–30 Nov is 15, 1–7 Dec 7: 22; Irwin 1. Total 24.
    assert col(rows, "days") == [1, 22, 1]
    assert (totals["days"], count) == (24, 3)
    assert rows[1]["type"] == "Short call"
    rows, totals, _ = run("current-employee-report", employer=people.employers["beta"].pk)
    assert (col(rows, "name"), totals["days"]) == (["Hill, Pat", "Irwin, Pat"], 23)  # 22 + 1


def test_historical_employee_report_lists_who_worked_on_any_day_of_the_range(people):
    rows, totals, count = run("historical-employee-report", date_from="2026-11-01", date_to="2026-11-30")
    # Started by 30 Nov, not ended before 1 Nov: Lee (Alpha, 2 Nov – 4 Dec), Kent (Beta, 5 Oct –
    # 20 Nov), Hill (Beta, since 16 Nov). Adams and Irwin start on 7 Dec: outside.
    assert [(r["employer__name"], r["name"]) for r in rows] == [
        ("Alpha Electric", "Lee, Pat"), ("Beta Builders", "Kent, Pat"), ("Beta Builders", "Hill, Pat"),
    ]  # fmt: skip
    # Lee 2–30 Nov 29 + 1–4 Dec 4 = 33; Kent 5–31 Oct 27 + 1–20 Nov 20 = 47; Hill to today 22.
    assert col(rows, "days") == [33, 47, 22]
    assert (totals["days"], count) == (102, 3)
    assert col(rows, "end_reason") == ["Laid off / reduction in force", "Quit", ""]  # Hill: still on


def test_request_detail_report_lists_requests_with_their_terms(people):
    rows, totals, count = run("request-detail-report", date_from="2026-09-01", date_to="2026-12-07")
    r = people.requests
    # By the time taken: Kent's (1 Oct), Lee's (30 Oct), Hill's (13 Nov), then Friday's three
    # (Adams's, Irwin's, the open one) and today's Shipyard call.
    assert col(rows, "id") == [r[k].pk for k in ("kent", "lee", "hill", "adams", "irwin", "open", "shipyard")]
    # Wanted 1+1+1+1+1+3+2 = 10. Dispatched: Kent's 0 (a terminated dispatch is filled again),
    # Lee's 1 (completed), Hill's, Adams's, Irwin's 1 each, the open one and the Shipyard 0: 4.
    assert col(rows, "dispatched") == [0, 1, 1, 1, 1, 0, 0]
    assert (totals["workers_wanted"], totals["dispatched"], count) == (10, 4, 7)
    assert col(rows, "is_short_call") == ["No", "No", "Yes", "No", "Yes", "No", "No"]


def test_termination_report_lists_jobs_ended_with_why(people):
    rows, totals, count = run("termination-report", date_from="2026-11-01", date_to="2026-12-07")
    # Kent quit on 20 Nov (47 days), Lee was laid off on 4 Dec (33 days): 80.
    assert [(r["end_date"], r["name"], r["end_reason"], r["days"]) for r in rows] == [
        (D(2026, 11, 20), "Kent, Pat", "Quit", 47),
        (D(2026, 12, 4), "Lee, Pat", "Laid off / reduction in force", 33),
    ]
    assert (totals["days"], count) == (80, 2)
    assert run("termination-report", date_from="2026-11-21", date_to="2026-12-03")[2] == 0


def test_travelers_report_lists_travelers_here_on_any_day_of_the_range(people):
    rows, _, count = run("travelers-report", date_from="2026-10-15", date_to="2026-11-15")
    # Foster (0077, since 2 Nov) and Green (0112, 1 Sep – 30 Oct) were here; Jones (1 Dec) and
    # Irwin (30 Nov) came after. Days: Foster 2–30 Nov 29 + 1–7 Dec 7 = 36 (still here, to
    # today); Green 1–30 Sep 30 + 1–30 Oct 30 = 60.
    assert [(r["home_local"], r["name"], r["days"]) for r in rows] == [
        ("0077", "Foster, Pat", 36),
        ("0112", "Green, Pat", 60),
    ]
    assert count == 2


def test_current_travelers_report_lists_those_here_today_and_where_they_work(people):
    rows, _, count = run("current-travelers-report")
    # Here today: Jones (0048, 1–7 Dec: 7 days), Foster (0077: 36), Irwin (0191, 30 Nov – 7 Dec:
    # 8, on Beta's short call). Green left on 30 Oct.
    assert [(r["home_local"], r["name"], r["days"], r["employer"]) for r in rows] == [
        ("0048", "Jones, Pat", 7, ""), ("0077", "Foster, Pat", 36, ""), ("0191", "Irwin, Pat", 8, "Beta Builders"),
    ]  # fmt: skip
    assert count == 3


def test_steward_report_lists_stewards_by_employer(people):
    rows, _, _ = run("steward-report")
    assert [(r["employer__name"], r["worksite"], r["name"], r["ended_on"]) for r in rows] == [
        ("Alpha Electric", "Pier 91", "Adams, Pat", None), ("Beta Builders", "", "Hill, Pat", D(2026, 11, 30)),
    ]  # fmt: skip
    rows, _, _ = run("steward-report", current_only="on")
    assert col(rows, "name") == ["Adams, Pat"]  # Hill's ended on 30 Nov


def test_applicant_report_lists_everyone_on_a_book(people):
    rows, _, count = run("applicant-report")
    # On a book now: Lee (WIRE BREMERTON 1: Bremerton sorts first), the 7 of Seattle Book 1 (not
    # Evans: rolled off), Foster and Jones on Book 2. Kent quit: rolled off. 10.
    assert col(rows, "name") == [
        "Lee, Pat", "Adams, Pat", "Baker, Pat", "Clark, Pat", "Davis, Pat", "Green, Pat", "Hill, Pat", "Irwin, Pat",
        "Foster, Pat", "Jones, Pat",
    ]  # fmt: skip
    assert count == 10
    by_name = {r["name"]: r for r in rows}
    # Days on the book count the day registered: Lee 1 Oct – 7 Dec: 31 + 30 + 7 = 68; Davis 28
    # days ago: 29; Green 40 days ago: 41; Hill since 16 Nov: 22; Baker today: 1.
    names = ("Lee, Pat", "Davis, Pat", "Green, Pat", "Hill, Pat", "Baker, Pat")
    assert [by_name[n]["days_on_book"] for n in names] == [68, 29, 41, 22, 1]
    assert (by_name["Baker, Pat"]["skills"], by_name["Davis, Pat"]["skills"], by_name["Adams, Pat"]["skills"]) == (
        2,
        1,
        0,
    )


def test_eeoc_report_counts_members_dispatched_by_gender_and_race(people):
    rows, totals, _ = run("eeoc-report", date_from="2026-10-01", date_to="2026-12-07")
    # Dispatched (accepted, ended or not) from 1 Oct: Kent, Lee, Hill, Adams, Irwin = 5. Adams
    # female Hispanic 1; Hill and Kent male White 2; Lee and Irwin recorded nothing: 2.
    assert [(r["gender"], r["race"], r["members"]) for r in rows] == [
        ("Female", "Hispanic or Latino", 1), ("Male", "White", 2), ("Not disclosed", "Not disclosed", 2),
    ]  # fmt: skip
    assert totals["members"] == 5


def test_by_name_report_lists_members_asked_for_by_name(people):
    rows, _, count = run("by-name-report", date_from="2026-10-01", date_to="2026-12-07")
    assert [(r["employer__name"], r["name"], r["job_request__worksite"]) for r in rows] == [
        ("Alpha Electric", "Lee, Pat", "Shipyard")
    ]
    assert count == 1


def test_working_time_limit_report_shows_days_on_calls_against_the_limit(people):
    rows, _, _ = run("working-time-limit-report")
    # Only Lee has counted days: 33 of the book's 90 (the 90 Day Rule), 57 left; held for
    # re-registration (a short call's hold). Hill's call is not over: nothing counted yet.
    assert [(r["name"], r["days_on_calls"], r["limit"], r["days_left"], r["status"]) for r in rows] == [
        ("Lee, Pat", 33, 90, 57, "On a short call")
    ]


def test_job_request_history_lists_every_request_of_the_employer_newest_first(people):
    rows, totals, _ = run("job-request-history", employer=people.employers["alpha"].pk)
    r = people.requests
    # Alpha's: today's Shipyard call, Friday's open one and Adams's (same time: the later id
    # first), Lee's of 30 Oct. Wanted 2+3+1+1 = 7, dispatched 0+0+1+1 = 2.
    assert col(rows, "id") == [r["shipyard"].pk, r["open"].pk, r["adams"].pk, r["lee"].pk]
    assert (totals["workers_wanted"], totals["dispatched"]) == (7, 2)


def test_jobs_available_for_a_member_are_the_open_places_on_their_books(people):
    r = people.requests
    rows, _, _ = run("jobs-available-for-member", member=card(people, "Baker"))
    # Baker is on WIRE SEATTLE 1: the open request (3 wanted, none dispatched). The Bremerton
    # calls are another region; Adams's, Irwin's and Hill's are filled.
    assert [(x["id"], x["workers_wanted"], x["dispatched"], x["places_left"]) for x in rows] == [
        (r["open"].pk, 3, 0, 3)
    ]
    rows, _, _ = run("jobs-available-for-member", member=card(people, "Lee"))
    assert col(rows, "id") == [r["shipyard"].pk]  # Lee (held on WIRE BREMERTON 1): the Shipyard, 2 places
    assert run("jobs-available-for-member", member=card(people, "Kent"))[2] == 0  # rolled off every book


def test_applicant_skills_report_lists_each_skill_and_its_holders(people):
    rows, _, count = run("applicant-skills-report")
    assert [(r["skill__name"], r["name"], r["expires_on"]) for r in rows] == [
        ("Cable splicing", "Baker, Pat", D(2027, 6, 30)),
        ("Lift card", "Baker, Pat", None),
        ("Lift card", "Davis, Pat", D(2026, 12, 31)),
    ]
    assert count == 3


def test_applicant_photo_ids_says_whose_photo_is_on_file(people):
    rows, _, count = run("applicant-photo-ids")
    # 12 active members: the hall's 10 (Evans rolled off a book, still a member), Kent and Lee.
    assert count == 12
    assert [r["name"] for r in rows if r["has_photo"] == "Yes"] == ["Baker, Pat"]


# --- The Applicant tab ---


def test_basic_information_report_shows_a_member_s_record(people):
    rows, _, count = run("basic-information-report", member=card(people, "Baker"))
    assert count == 1
    baker = rows[0]
    assert (baker["card_number"], baker["name"], baker["classification"], baker["status"], baker["city"]) == (
        card(people, "Baker"), "Baker, Pat", "Inside Wireperson (Journeyman)", "Active", "Seattle",
    )  # fmt: skip
    assert run("basic-information-report")[2] == 12  # every member


def test_current_registrations_lists_the_books_a_member_is_on_now(people):
    rows, totals, count = run("current-registrations")
    assert count == 10  # as the Applicant Report: the 7 + 2 of Seattle and Lee
    assert totals["check_marks"] == 1  # Baker's
    by_name = {r["name"]: r for r in rows}
    # Davis's re-sign is due Wed 9 Dec: 2 days; Green's 10 days overdue: -10.
    assert (by_name["Davis, Pat"]["days_to_re_sign"], by_name["Green, Pat"]["days_to_re_sign"]) == (2, -10)
    assert [n for n, r in by_name.items() if r["exempt"] == "Yes"] == ["Clark, Pat", "Jones, Pat"]
    rows, _, _ = run("current-registrations", member=card(people, "Jones"))
    assert [(r["book__book_number"], r["apn"], r["status"]) for r in rows] == [
        (2, Decimal("46001.02"), "Registered (out of work)")
    ]


def test_travel_report_lists_travel_letters_newest_first(people):
    rows, _, _ = run("travel-report")
    assert [(r["issued_on"], r["name"], r["to_local"]) for r in rows] == [
        (D(2026, 12, 1), "Baker, Pat", "0077"), (D(2026, 11, 20), "Davis, Pat", "0112"),
    ]  # fmt: skip
    rows, _, _ = run("travel-report", date_from="2026-11-25", date_to="2026-12-07")
    assert col(rows, "name") == ["Baker, Pat"]


def test_internet_bids_lists_a_member_s_bids(people):
    rows, _, _ = run("internet-bids", member=card(people, "Baker"))
    # Baker bid on the open request today at 9:00 from WIRE SEATTLE 1 at APN 46000.02.
    assert [(r["job_request_id"], r["registration__apn"], r["status"]) for r in rows] == [
        (people.requests["open"].pk, Decimal("46000.02"), "Pending")
    ]


# --- Every report's page and its Excel file ---

# slug -> (query, the rows' count, the first data row's cells by header, counted above)
PAGES = {
    "current-employee-report": ({}, 3, {"Employer": "Alpha Electric", "Name": "Adams, Pat", "Days": 1}),
    "historical-employee-report": (
        {"date_from": "2026-11-01", "date_to": "2026-11-30"},
        3,
        {"Name": "Lee, Pat", "Days": 33},
    ),
    "request-detail-report": ({"date_from": "2026-09-01", "date_to": "2026-12-07"}, 7, {"Wanted": 1, "Dispatched": 0}),
    "termination-report": ({"date_from": "2026-11-01", "date_to": "2026-12-07"}, 2, {"Name": "Kent, Pat", "Days": 47}),
    "travelers-report": (
        {"date_from": "2026-10-15", "date_to": "2026-11-15"},
        2,
        {"Home local": "0077", "Days here": 36},
    ),
    "current-travelers-report": ({}, 3, {"Home local": "0048", "Name": "Jones, Pat", "Days here": 7}),
    "steward-report": ({}, 2, {"Employer": "Alpha Electric", "Job site": "Pier 91", "Name": "Adams, Pat"}),
    "applicant-report": ({}, 10, {"Name": "Lee, Pat", "Days on book": 68}),
    "by-name-report": ({"date_from": "2026-10-01", "date_to": "2026-12-07"}, 1, {"Name": "Lee, Pat"}),
    "working-time-limit-report": ({}, 1, {"Name": "Lee, Pat", "Days on calls": 33, "Days left": 57}),
    "job-request-history": ({}, 7, {"Employer": "Alpha Electric", "Wanted": 2}),  # all 7 requests: Shipyard first
    "applicant-skills-report": ({}, 3, {"Skill": "Cable splicing", "Name": "Baker, Pat"}),
    "applicant-photo-ids": ({}, 12, {"Name": "Adams, Pat", "Photo on file": "No"}),
    "basic-information-report": ({}, 12, {"Name": "Adams, Pat", "State": "WA"}),
    "current-registrations": ({}, 10, {"Name": "Adams, Pat", "Check marks": 0}),
    "travel-report": ({}, 2, {"Name": "Baker, Pat", "To local": "0077"}),
}
BY_CARD = {  # reports of one member: (whose card, count, first row)
    "jobs-available-for-member": ("Baker", 1, {"Wanted": 3, "Places left": 3}),
    "internet-bids": ("Baker", 1, {"Status": "Pending", "APN": 46000.02}),
}


def _query(people, slug):
    if slug in BY_CARD:
        name, count, first = BY_CARD[slug]
        return {"member": card(people, name)}, count, first
    return PAGES[slug]


@pytest.mark.parametrize("slug", [*PAGES, *BY_CARD])
def test_the_page_and_the_excel_file_show_the_hand_counted_rows(people, client, slug):
    client.force_login(people.staff["dispatcher"])
    query, count, first = _query(people, slug)
    page = client.get(reverse("admin:reports_report", args=[slug]), query)
    assert page.status_code == 200
    assert f"{count} row{'s' if count != 1 else ''}." in page.content.decode()
    response = client.get(reverse("admin:reports_export", args=[slug, "xlsx"]), query)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    header = [c.value for c in sheet[1]]
    data = []
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in row):
            break  # the blank row before the totals
        data.append(dict(zip(header, row, strict=True)))
    assert len(data) == count
    assert {k: data[0][k] for k in first} == first


def test_the_eeoc_report_is_an_officer_s_page_and_file(people, client):
    url = reverse("admin:reports_report", args=["eeoc-report"])
    query = {"date_from": "2026-10-01", "date_to": "2026-12-07"}
    client.force_login(people.staff["dispatcher"])
    assert client.get(url, query).status_code == 403
    assert client.get(reverse("admin:reports_export", args=["eeoc-report", "xlsx"]), query).status_code == 403
    client.force_login(people.staff["officer"])
    page = client.get(url, query)
    assert page.status_code == 200
    assert "3 rows." in page.content.decode()
    response = client.get(reverse("admin:reports_export", args=["eeoc-report", "xlsx"]), query)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).worksheets[0]
    assert [c.value for c in sheet[2]] == ["Female", "Hispanic or Latino", 1]
    assert sheet.cell(row=6, column=3).value == 5  # the total below the blank row: 1 + 2 + 2


def test_a_report_of_one_member_without_a_card_is_a_form_error(people, client):
    client.force_login(people.staff["dispatcher"])
    response = client.get(reverse("admin:reports_report", args=["internet-bids"]), {"member": "999999"})
    assert response.status_code == 400
    assert "No member has card number 999999." in response.content.decode()
