"""LaborPower's Custom tab (issue 24): its member lists and counts — ALL MEMBERS REFERRAL STATUS and
the mailing, e-mail and phone lists that are its variants, Total JW COUNT / JRNY TECH SUMMARY,
JOURNEYMAN COUNTS BY SECTOR, ALL_FOREMANLJ_LIST, SPECIAL SKILLS - ACTIVE MEMBERS, ORGANIZED —
each on the hall of reports/tests/conftest.py (Monday 7 December 2026, 9:00), its figures counted
by hand below, on the page and in one file.

The hall's ten members (all Inside Wirepersons, active, each with a phone, no e-mail, no street
address), where they are now:
  on a short call: Hill, Irwin (Beta Builders)         2
  on a job:        Adams (Alpha Electric)              1
  out of work:     Baker, Clark, Davis, Green, Foster, Jones   6
  on no book:      Evans (rolled off by staff today)   1
Contracts: Alpha WIREPERSON and S&C, Beta WIREPERSON. Every request is for a journeyman."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from dispatch.tests.factories import EmployerContractFactory
from members import services as member_services
from members.models import Member, Skill
from referral import services as referral_services
from reports.tests.conftest import MONDAY, _request, _send
from reports.tests.test_basic import export, figures, groups, table
from reports.tests.test_custom_copies import opened

pytestmark = pytest.mark.django_db
LIST = "all-members-referral-status"


def breakdown(response, label):
    return next(value for kind, name, value in response.context["summary"] if name == label)


@pytest.fixture
def contacts(hall):
    """Adams becomes a Limited Energy Technician; Adams, Baker and Davis give an e-mail; Davis has
    no phone; Foster gives a street address; Alpha signs the light fixture maintenance contract."""
    m = hall.member
    Member.objects.filter(pk=m("Adams").pk).update(classification="technician", email="adams@example.org")
    Member.objects.filter(pk=m("Baker").pk).update(email="baker@example.org")
    Member.objects.filter(pk=m("Davis").pk).update(email="davis@example.org", phone=None)
    Member.objects.filter(pk=m("Foster").pk).update(address_line1="1 Main St")
    EmployerContractFactory(employer=hall.employers["alpha"], contract_code="LFM")
    return hall


def test_all_members_referral_status(hall, client, dispatcher):
    """10 members; by referral status, most first: out of work 6 (60.0%), on a short call 2
    (20.0%), then the ties in the stored value's order — on no book 1 (10.0%), on a job 1 (10.0%)."""
    client.force_login(dispatcher)
    response = opened(client, "C-07", LIST, "")
    assert response.context["count"] == 10
    assert breakdown(response, "By referral status") == [
        ("Out of work (on a book)", "6", "60.0%"), ("On a short call", "2", "20.0%"),
        ("Not on a book", "1", "10.0%"), ("On a job", "1", "10.0%"),
    ]  # fmt: skip
    rows = {r[1]: r[4] for r in table(response)}
    assert (rows["Adams, Pat"], rows["Hill, Pat"], rows["Evans, Pat"]) == ("On a job", "On a short call",
                                                                          "Not on a book")  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, LIST, "xlsx")))["Summary"]
    assert ("On a short call", 2, "20.0%") in [tuple(c.value for c in row) for row in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("lp_id", "query", "names"),
    [
        # Unemployed: the six out of work on a book
        ("C-41", "?referral=out_of_work", ["Baker", "Clark", "Davis", "Foster", "Green", "Jones"]),
        # Without an e-mail: 10 − Adams, Baker, Davis = 7
        ("C-29", "?status=active&email=without", ["Clark", "Evans", "Foster", "Green", "Hill", "Irwin", "Jones"]),
        # Wireman e-mails: wirepersons (not Adams) with one
        ("C-45", "?working_as=inside_wireperson&status=active&email=with", ["Baker", "Davis"]),
        # Installer and tech e-mails: technicians with one
        ("C-19", "?working_as=technician&status=active&email=with", ["Adams"]),
        # Wiremen with a phone: 9 wirepersons − Davis = 8
        ("C-46", "?working_as=inside_wireperson&status=active&phone=with",
         ["Baker", "Clark", "Evans", "Foster", "Green", "Hill", "Irwin", "Jones"]),
        # Mailing lists: a street address
        ("C-25", "?status=active&address=with", ["Foster"]),
        ("C-36", "?status=active&address=with", ["Foster"]),
        # Light fixture maintenance: on a job for Alpha (LFM), with an e-mail
        ("C-24", "?contract=LFM&email=with", ["Adams"]),
    ],
)  # fmt: skip
def test_the_mailing_email_and_phone_lists_are_variants_of_the_member_list(contacts, client, dispatcher, lp_id,
                                                                            query, names):  # fmt: skip
    client.force_login(dispatcher)
    response = opened(client, lp_id, LIST, f"{query}&variant={lp_id}")
    assert [r[1] for r in table(response)] == [f"{n}, Pat" for n in names]


def test_active_members_classifications_sorted_by_classification_in_csv(contacts, client, dispatcher):
    """C-04: the 10 active members by classification: nine Inside Wirepersons, then Adams."""
    client.force_login(dispatcher)
    opened(client, "C-04", LIST, "?status=active&sort=classification&variant=C-04")
    body = export(client, LIST, "csv", status="active", sort="classification").decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body)))
    assert len(lines) == 11  # the header and ten members
    assert [line[2] for line in lines[1:]] == ["Inside Wireperson (Journeyman)"] * 9 + ["Limited Energy Technician"]
    assert lines[-1][1] == "Adams, Pat"


def test_total_jw_count_and_jrny_tech_summary(contacts, client, dispatcher):
    """Wirepersons (Adams now a technician): 9 — on a job 0, short call 2, out of work 6, on no
    book 1; out of work 6 of 9 = 66.7%. Technicians: Adams, 1, on a job."""
    client.force_login(dispatcher)
    response = opened(client, "C-39", "total-jw-count", "?working_as=inside_wireperson")  # its own id
    assert table(response) == [["Inside Wireperson (Journeyman)", "9", "0", "2", "6", "1"]]
    assert figures(response) == {"Members": "9", "Out of work": "66.7%"}
    tech = opened(client, "C-23", "total-jw-count", "?working_as=technician&variant=C-23")
    assert table(tech) == [["Limited Energy Technician", "1", "1", "0", "0", "0"]]
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "total-jw-count", "xlsx"))).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows(values_only=False)]
    assert ["Inside Wireperson (Journeyman)", 9, 0, 2, 6, 1] in values
    assert [10, 1, 2, 6, 1] in [v[1:] for v in values]  # the totals: 9 + 1 members, 0 + 1 on a job


def test_journeyman_counts_by_sector(hall, client, dispatcher):
    """Journeymen on the job: Adams (Alpha), Hill and Irwin (Beta). WIREPERSON: Alpha and Beta, 3;
    S&C: Alpha, 1 (Adams counted under both of Alpha's contracts)."""
    client.force_login(dispatcher)
    response = opened(client, "C-22", "journeyman-counts-by-sector", "")
    assert table(response) == [["Sound & Communication", "1", "1"], ["Wireperson", "2", "3"]]
    lines = list(csv.reader(io.StringIO(export(client, "journeyman-counts-by-sector", "csv").decode("utf-8-sig"))))
    assert lines[1:] == [["Sound & Communication", "1", "1"], ["Wireperson", "2", "3"]]


def test_foreman_list(hall, client, dispatcher):
    """Beta asks for a foreman and Baker (qualified: the foreman skill) goes: the one foreman on a
    job, at Beta, from Wednesday."""
    qualified, _ = Skill.objects.get_or_create(code="foreman", defaults={"name": "Foreman"})
    member_services.member_skill_grant(member_id=hall.member("Baker").pk, skill_id=qualified.pk, by=dispatcher)
    foreman = _request(dispatcher, hall.employers["beta"], taken=MONDAY, start=MONDAY + datetime.timedelta(days=2))
    type(foreman).objects.filter(pk=foreman.pk).update(job_class="foreman")
    _send(dispatcher, foreman, hall.regs["Baker"])
    client.force_login(dispatcher)
    response = opened(client, "C-08", "foreman-list", "")
    assert groups(response) == [("Beta Builders", 1)]
    assert [(r[1], r[3], r[5]) for r in table(response)] == [("Baker, Pat", "Foreman", "2026-12-09")]
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "foreman-list", "xlsx"))).worksheets[0]
    assert "Baker, Pat" in [c.value for c in sheet[2]]


def test_special_skills_of_active_members(hall, client, dispatcher):
    """Baker: cable splicing (to 30 Jun 2027) and a lift card; Davis a lift card but retired: 2
    rows, one under each skill, both Baker's."""
    cable = Skill.objects.create(code="cable-splicing-c", name="Cable splicing")
    lift = Skill.objects.create(code="lift-card-c", name="Lift card")
    m = hall.member
    member_services.member_skill_grant(
        member_id=m("Baker").pk, skill_id=cable.pk, by=dispatcher, expires_on=datetime.date(2027, 6, 30)
    )
    member_services.member_skill_grant(member_id=m("Baker").pk, skill_id=lift.pk, by=dispatcher)
    member_services.member_skill_grant(member_id=m("Davis").pk, skill_id=lift.pk, by=dispatcher)
    Member.objects.filter(pk=m("Davis").pk).update(status="retired")
    client.force_login(dispatcher)
    response = opened(client, "C-37", "special-skills-active-members", "")
    assert groups(response) == [("Cable splicing", 1), ("Lift card", 1)]
    assert [(r[1], r[4]) for r in table(response)] == [("Baker, Pat", "2027-06-30"), ("Baker, Pat", "")]
    lines = list(csv.reader(io.StringIO(export(client, "special-skills-active-members", "csv")
                                        .decode("utf-8-sig"))))  # fmt: skip
    assert [line[0] for line in lines[1:]] == ["Cable splicing", "Lift card"]


def test_organized_lists_members_exempt_for_organizing(hall, client, dispatcher):
    """Foster goes salting (exempt on book 2 to 31 Mar); Clark (union business) and Jones (medical)
    are exempt for other reasons: 1 row."""
    referral_services.registration_exempt_on(
        registration_id=hall.regs["Foster"].pk, by=dispatcher, exempt_reason="salting",
        exempt_until=datetime.date(2027, 3, 31),
    )  # fmt: skip
    client.force_login(dispatcher)
    response = opened(client, "C-31", "organized", "")
    assert [(r[2], r[4]) for r in table(response)] == [("Foster, Pat", "2027-03-31")]
    lines = list(csv.reader(io.StringIO(export(client, "organized", "csv").decode("utf-8-sig"))))
    assert len(lines) == 2


def test_the_custom_tab_lists_every_report(hall, client, officer):
    """Every one of LaborPower's 46 Custom reports is on the tab, each answered by a report."""
    client.force_login(officer)
    custom = client.get(reverse("admin:reports_index")).context["groups"]["Custom"]
    assert [e.lp_id for e in custom] == [f"C-{n:02d}" for n in range(1, 47)]
    assert all(e.report is not None for e in custom)
