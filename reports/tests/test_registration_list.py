"""LaborPower's Registration List (the report at /admin/reports/run/out-of-work-list/), from a
book built by hand the way LaborPower's printed list shows one: duplicate APNs (a morning rush
within one quarter hour, one pair to the very second), every STATUS word, check marks, a blank
local, members on a job and exempt ones; and the same 1-based position on every surface that
shows one (the report's REL, the console's column and change page, the portal, the API)."""

import datetime
import io
import re

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from members.selectors import home_local_of
from members.tests.factories import MemberFactory
from referral.enums import RegistrationStatus
from referral.models import BookRegistration, ReferralBook
from referral.services import apn_of
from referral.tests.test_laborpower_registration_list import (  # noqa: F401  (hall_members: a fixture)
    BOOKS,
    hall_members,
    import_book,
    printed,
)
from reports import framework, selectors
from reports.tests.test_pages import content
from unioncore.api.testing import api_as, fresh_throttles  # noqa: F401  (fixtures)
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

# Also on SQLite (make test's second run): a cut-over rehearsal on `make run` imports the lists
# and reads them back in this report.
pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]

S = RegistrationStatus
TODAY = datetime.date(2026, 12, 7)
REPORT = "out-of-work-list"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at(TODAY, 9), tick=False):
        yield


def when(text: str) -> datetime.datetime:
    """A local time as LaborPower prints it, to the second."""
    return timezone.make_aware(datetime.datetime.strptime(text, "%m/%d/%Y %I:%M:%S %p"))


def on_book(book, reg, name, local, registered, *, status=S.REGISTERED, check=0, region="", exempt="",
            member_exempt="", **member):  # fmt: skip
    last, first = name.split(", ")
    first, _, middle = first.partition(" ")
    person = MemberFactory(last_name=last.title(), first_name=first.title(), middle_name=middle, home_local=local,
                           preferred_region=region, **member)  # fmt: skip
    if member_exempt:  # the member's own exemption, on every book (decision 0004)
        person.is_exempt, person.exempt_reason = True, member_exempt
        person.save(update_fields=["is_exempt", "exempt_reason"])
    moment = when(registered)
    return BookRegistration.objects.create(
        member=person, book=book, apn=apn_of(moment), registered_at=moment, registration_number=reg,
        status=status, check_marks=check, is_exempt=True if exempt else None, exempt_reason=exempt,
        exemption_needs_review=bool(exempt),
    )  # fmt: skip


# The book as LaborPower would print it: REG. #, NAME, LOCAL, REG. DATE & TIME, POSITION, CHECK,
# STATUS, REGION — tier by tier. The dates are LaborPower's; the report prints them as ISO.
TIER_1 = [
    ("8551", "PARK, KAREN K", "0046", "10/20/2014 2:00:05 PM", "0001 / 0001", "", "UNEMPLOYED", "SEATTLE"),
    ("5740", "MOORE, SARA N", "", "08/15/2016 9:19:13 AM", "0002 / 0000", "", "WORKING", ""),
    ("4481", "URIBE, SARA S", "0077", "09/08/2017 9:07:57 AM", "0003 / 0002", "1", "UNEMPLOYED", "BREMERTON"),
    # The same quarter hour as URIBE (APN 42986.38), and these two to the very second: the id decides.
    ("4482", "DUBOIS, WENDY", "0046", "09/08/2017 9:12:30 AM", "0004 / 0000", "", "TRAVELING", "PT ANGELES"),
    ("4483", "TANAKA, MARIA A", "0046", "09/08/2017 9:12:30 AM", "0005 / 0003", "2", "UNEMPLOYED", "SILVERDALE"),
    ("2157", "DUBOIS, PAULA M", "0046", "02/04/2018 9:21:01 AM", "0006 / 0000", "", "SALTING", "SEATTLE"),
    ("434", "ANDERSON, ALEX", "0046", "02/25/2018 1:24:02 PM", "0007 / 0000", "", "SICK LIST", "SEATTLE"),
    ("817", "RAMIREZ, BRIAN", "0046", "02/25/2018 4:46:26 PM", "0008 / 0000", "", "UNDERSCALE", ""),
    ("3621", "LARSEN, MARIA", "0048", "05/12/2018 11:36:05 AM", "0009 / 0000", "", "SHORT CALL", "SEATTLE"),
    ("4408", "KOWALSKI, RYAN N", "0046", "07/26/2018 10:43:01 AM", "0010 / 0000", "", "EXEMPT", "SEATTLE"),
    ("8048", "OLSEN, GRACE E", "0191", "10/24/2018 3:17:12 PM", "0011 / 0000", "", "TRAVELING", ""),
    ("9001", "ZIMMERMAN, KAREN R", "0046", "01/03/2019 4:55:08 PM", "0012 / 0004", "1", "UNEMPLOYED", "SEATTLE"),
]
TIER_2 = [
    ("77", "JENSEN, NOAH T", "0077", "03/01/2020 8:00:00 AM", "0001 / 0000", "", "WORKING", ""),
    ("78", "PETERSON, RYAN S", "0112", "03/01/2020 8:05:59 AM", "0002 / 0001", "", "UNEMPLOYED", ""),
]
REGIONS = {"SEATTLE": "seattle", "BREMERTON": "bremerton", "PT ANGELES": "port_angeles", "SILVERDALE": "silverdale"}
STATE = {
    "UNEMPLOYED": {}, "WORKING": {"status": S.DISPATCHED}, "SHORT CALL": {"status": S.SHORT_CALL},
    "TRAVELING": {"exempt": "traveling"}, "SALTING": {"exempt": "salting"}, "SICK LIST": {"exempt": "medical"},
    "UNDERSCALE": {"exempt": "under_scale"}, "EXEMPT": {"exempt": "military"},
}  # fmt: skip


@pytest.fixture
def bremerton():
    """WIRE BREMERTON, tiers 1 and 2, as the tables above; one more member rolled off tier 1
    (on no list, counted by nothing)."""
    tiers = {n: ReferralBook.objects.get(laborpower_name="WIRE BREMERTON", book_number=n) for n in (1, 2)}
    for tier, rows in ((1, TIER_1), (2, TIER_2)):
        for reg, name, local, registered, _, check, status, region in rows:
            state = dict(STATE[status])
            if name == "OLSEN, GRACE E":  # traveling by the member's own exemption, not the book's
                state = {"member_exempt": state.pop("exempt")}
            region = REGIONS.get(region, "")
            on_book(tiers[tier], int(reg), name, local, registered, check=int(check or 0), region=region, **state)
    gone = on_book(tiers[1], 9999, "EVANS, PAT", "0046", "01/01/2015 8:00:00 AM")
    BookRegistration.objects.filter(pk=gone.pk).update(status=S.ROLLED_OFF)
    return tiers


def iso(printed: str) -> str:
    return f"{datetime.datetime.strptime(printed, '%m/%d/%Y %I:%M:%S %p'):%Y-%m-%d %H:%M:%S}"


def expected(rows) -> list[list[str]]:
    return [[reg, name, local, iso(time), position, check, status, region] for reg, name, local, time, position,
            check, status, region in rows]  # fmt: skip


def test_the_duplicate_apns_are_the_same_quarter_hour():
    apns = [apn_of(when(r[3])) for r in TIER_1[2:5]]
    assert len(set(apns)) == 1
    assert f"{apns[0]:,}" == "42,986.38"


def test_the_page_prints_each_tier_as_laborpower_does(bremerton, client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(reverse("admin:reports_report", args=[REPORT]), {"book": "WIRE BREMERTON"})
    assert response.status_code == 200
    shown = [h["column"].label for h in response.context["headers"]]
    assert shown == [
        "REG. #", "NAME", "LOCAL", "REG. DATE & TIME", "POSITION (ACT / REL)", "CHECK", "STATUS", "REGION", "APN",
    ]  # fmt: skip
    tiers, rows = {}, None
    for kind, item in response.context["body"]:
        if kind == "group":
            rows = tiers.setdefault(item[0], [])
        else:
            rows.append([text for text, _ in item][:8])
    assert tiers == {"WIRE BREMERTON : 1": expected(TIER_1), "WIRE BREMERTON : 2": expected(TIER_2)}
    text = response.content.decode()
    assert "WIRE BREMERTON : 1 — 12 rows" in text
    assert "EVANS" not in text


def test_the_excel_file_has_the_same_positions_tier_by_tier(bremerton, client, dispatcher):
    client.force_login(dispatcher)
    url = reverse("admin:reports_export", args=[REPORT, "xlsx"])
    sheet = openpyxl.load_workbook(io.BytesIO(content(client.get(url, {"book": "WIRE BREMERTON"}))))
    rows = list(sheet.worksheets[0].iter_rows(min_row=2, max_row=15, values_only=True))
    assert [(r[0], r[2], r[5], r[7]) for r in rows] == [
        (f"WIRE BREMERTON : {tier}", name, position, status)
        for tier, table in ((1, TIER_1), (2, TIER_2))
        for _, name, _, _, position, _, status, _ in table
    ]


def test_a_sort_on_any_column_keeps_every_row_s_position(bremerton):
    report = framework.get(REPORT)
    form = report.form({"book": "WIRE BREMERTON"})
    assert form.is_valid(), form.errors

    def positions(sort):
        return {r["id"]: report.column("position").value(r) for r in report.rows(form.cleaned_data, sort)}

    listed = positions("")
    for column in report.columns:
        for sort in (column.accessor, f"-{column.accessor}"):
            assert positions(sort) == listed, sort


def test_status_in_sql_is_what_the_registration_says(bremerton):
    rows = selectors.registration_list_rows(book="WIRE BREMERTON")
    registrations = BookRegistration.objects.select_related("member").in_bulk([r["id"] for r in rows])
    said = {r["id"]: r["work_status"] for r in rows}
    assert said == {pk: registration.work_status for pk, registration in registrations.items()}
    assert set(said.values()) == {
        "UNEMPLOYED", "WORKING", "SHORT CALL", "TRAVELING", "SALTING", "SICK LIST", "UNDERSCALE", "EXEMPT"
    }  # fmt: skip


def test_the_registration_list_reads_the_book_in_one_query(bremerton, django_assert_num_queries):
    report = framework.get(REPORT)
    form = report.form({"book": "WIRE BREMERTON"})
    assert form.is_valid()
    rows = report.rows(form.cleaned_data)
    with django_assert_num_queries(1):
        assert len(list(report.layout(rows))) == 14 + 2 * 2 + 1  # rows, a heading and a count per tier, total


# --- The same position everywhere ---


def test_the_console_the_portal_and_the_api_show_the_report_s_rel(book, dispatcher, api_as):  # noqa: F811
    """WIRE SEATTLE 1: unemployed, working, exempt on the book, exempt by the member's own flag,
    on a short call, unemployed again — each a member who signs in to the portal and the API."""
    people = {}
    for n, (name, state) in enumerate([
        ("ABLE, ANN", {}), ("BROWN, BEN", {"status": S.DISPATCHED}), ("COLE, CY", {"exempt": "medical"}),
        ("DIAZ, DEE", {}), ("EATON, ED", {"member_exempt": "traveling"}), ("FOX, FAY", {"status": S.SHORT_CALL}),
        ("GRAY, GUS", {}),
    ]):  # fmt: skip
        user = UserFactory(kind=UserKind.MEMBER)
        people[name] = on_book(book, n + 1, name, "0046", f"01/0{n + 1}/2026 8:00:00 AM", user=user, **state)

    report = framework.get(REPORT)
    form = report.form({"book": "WIRE SEATTLE", "tier": "1"})
    assert form.is_valid()
    rel = {r["id"]: r["rel"] or None for r in report.rows(form.cleaned_data)}
    assert [rel[people[n].pk] for n in people] == [1, None, None, 2, None, None, 3]

    staff = Client()
    staff.force_login(dispatcher)
    changelist = staff.get(reverse("admin:referral_bookregistration_changelist"), {"book__id__exact": book.pk})
    column = re.findall(r'<td class="field-position">([^<]*)</td>', changelist.content.decode())
    console = dict(zip([r.pk for r in changelist.context["cl"].result_list], column, strict=True))

    for name, registration in people.items():
        want = rel[registration.pk]
        shown = "—" if want is None else str(want)
        assert console[registration.pk] == shown, name

        page = staff.get(reverse("admin:referral_bookregistration_change", args=[registration.pk])).content.decode()
        on_page = re.search(r"Position on the book \(1 = next up\).*?<div class=\"readonly\">([^<]*)</div>", page, re.S)
        assert on_page.group(1) == shown, name

        member = Client()
        member.force_login(registration.member.user)
        portal = member.get(reverse("portal:member-home")).content.decode()
        found = re.search(r'<dt>Position on the book</dt><dd class="big">(\d+)</dd>', portal)
        assert (found.group(1) if found else None) == (None if want is None else str(want)), name

        api = api_as(registration.member.user).get("/api/v1/me/registrations/").json()["results"]
        assert [row["position"] for row in api if row["id"] == registration.pk] == [want], name


# --- LaborPower's own sample, imported: the report prints its columns row for row ---


def test_the_report_of_each_imported_sample_book_prints_laborpower_s_own_columns(hall_members, dispatcher):  # noqa: F811
    """LaborPower's sample lists (fixtures/laborpower/samples: every book, every tier) imported as
    the hall would; the report of each book then shows each tier's rows exactly as the file
    printed them: REG. #, NAME, LOCAL (as UnionCore keeps it: LaborPower's 0000 and TC are no
    known local, kept blank), REG. DATE & TIME, ACT / REL, CHECK, STATUS. (REGION is the person's
    one preferred area in UnionCore, decision 0028, while the made-up samples vary it from book to
    book: the hand-built book above checks how it prints.)"""
    for stem, data in hall_members.items():
        assert import_book(stem, data, dispatcher).ok, stem
    report = framework.get(REPORT)
    compared = [c for c in report.columns if c.accessor not in ("apn", "region")]
    for stem, name in BOOKS.items():
        form = report.form({"book": name})
        assert form.is_valid(), form.errors
        shown = [[c.text(c.value(row)) for c in compared] for row in report.iterate(report.rows(form.cleaned_data))]
        expected = [
            [f"{name} : {r['BOOK #']}", r["REG. #"], r["NAME"], home_local_of(r["LOCAL"]), iso(r["REG. DATE & TIME"]),
             r["POSITION (ACT/REL)"], r["CHECK"], r["STATUS"]]
            for r in sorted(printed(stem), key=lambda r: int(r["BOOK #"]))  # a file may list tier 3 first
        ]  # fmt: skip
        assert len(shown) == len(expected), stem
        for n, (ours, theirs) in enumerate(zip(shown, expected, strict=True)):
            assert ours == theirs, (stem, n)
