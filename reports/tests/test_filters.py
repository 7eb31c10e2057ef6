"""LaborPower's filters as one django-filter family (issue 24, item 2): each filter on the hall of
reports/tests/conftest.py, counted by hand; several values of one filter; a filter the rows may
match twice (skills) keeps each row once; demographic filters for officers only; bad values are
form errors that change nothing.

The hall's dispatches (all from WIRE SEATTLE : 1, inside wireperson in Seattle):
Hill to Beta (offered Mon 16 Nov), Adams to Alpha and Irwin to Beta (both Mon 7 Dec)."""

import datetime

import pytest
from django.http import QueryDict
from django.urls import reverse

from dispatch.models import Dispatch
from members.enums import Classification
from members.models import Member, MemberSkill, Skill
from referral.models import BookRegistration
from reports import framework
from reports.filters import DEMOGRAPHIC_FILTERS, DispatchFilters, MemberFilters, RegistrationFilters
from reports.models import ReportRun

pytestmark = pytest.mark.django_db

D = datetime.date
DAY_BOOK = reverse("admin:reports_report", args=["daily-dispatch-log"])
WEEKS = {"date_from": "2026-11-16", "date_to": "2026-12-07"}  # 22 days: all three dispatches


def names(response) -> list[str]:
    column = [h["column"].accessor for h in response.context["headers"]].index("name")
    return sorted(row[column][0].split(",")[0] for kind, row in response.context["body"] if kind == "row")


def test_the_day_book_by_one_employer_by_two_and_by_book(hall, client, dispatcher):
    client.force_login(dispatcher)
    alpha, beta = hall.employers["alpha"].pk, hall.employers["beta"].pk
    assert names(client.get(DAY_BOOK, WEEKS)) == ["Adams", "Hill", "Irwin"]
    assert names(client.get(DAY_BOOK, {**WEEKS, "employer": beta})) == ["Hill", "Irwin"]
    both = QueryDict(mutable=True)
    both.update(WEEKS)
    both.setlist("employer", [str(alpha), str(beta)])
    assert names(client.get(f"{DAY_BOOK}?{both.urlencode()}")) == ["Adams", "Hill", "Irwin"]
    assert names(client.get(DAY_BOOK, {**WEEKS, "book": "WIRE SEATTLE"})) == ["Adams", "Hill", "Irwin"]
    other = next(name for name in framework.get("daily-dispatch-log").filters().fields["book"].choices
                 if name[0] != "WIRE SEATTLE")[0]  # fmt: skip
    assert names(client.get(DAY_BOOK, {**WEEKS, "book": other})) == []
    # Monday only (the range's end is inclusive, in the hall's zone)
    assert names(client.get(DAY_BOOK, {"date_from": "2026-12-07", "date_to": "2026-12-07"})) == ["Adams", "Irwin"]
    run = ReportRun.objects.filter(format="html").order_by("-id").first()
    assert run.filters["date_to"] == "2026-12-07"


def test_several_employers_are_kept_for_a_background_export_and_described_by_name(hall, dispatcher):
    report = framework.get("daily-dispatch-log")
    alpha, beta = hall.employers["alpha"], hall.employers["beta"]
    data = QueryDict(mutable=True)
    data.update(WEEKS)
    data.setlist("employer", [str(alpha.pk), str(beta.pk)])
    form = report.form(data, user=dispatcher)
    assert form.is_valid(), form.errors
    saved = framework.filters_json(form)
    assert sorted(saved["employer"]) == sorted([alpha.pk, beta.pk])
    again = report.form(saved, user=dispatcher)  # the background job's form
    assert again.is_valid(), again.errors
    assert report.count(report.rows(again.cleaned_data)) == 3
    assert ("Employer", "Alpha Electric, Beta Builders") in framework.describe_filters(again)


def test_bad_filter_values_are_form_errors(hall, client, dispatcher):
    client.force_login(dispatcher)
    for bad in ({"employer": "999999"}, {"book": "NO SUCH BOOK"}, {"status": "lost"},
                {"date_from": "2026-01-01", "date_to": "2026-12-07"}):  # fmt: skip
        response = client.get(DAY_BOOK, {**WEEKS, **bad})
        assert response.status_code == 400, bad
        assert "page" not in response.context
    assert not ReportRun.objects.exists()


def test_tiers_working_as_and_skills_on_registrations(hall):
    """WIRE SEATTLE has 8 registrations on tier 1 (Adams … Irwin, Evans rolled off) and 2 on tier 2
    (Foster, Jones). Foster works as an apprentice. Baker holds two skills, Davis one."""
    filters = RegistrationFilters.taking("book", "tier", "working_as", "skill")
    rows = BookRegistration.objects.filter(member__in=[r.member for r in hall.regs.values()])
    Member.objects.filter(pk=hall.member("Foster").pk).update(classification=Classification.APPRENTICE_WIREPERSON)
    splicing = Skill.objects.create(code="splicing", name="Cable splicing")
    lift = Skill.objects.create(code="lift", name="Lift card")
    for name, skills in (("Baker", (splicing, lift)), ("Davis", (lift,))):
        for skill in skills:
            MemberSkill.objects.create(member=hall.member(name), skill=skill)

    def members(**cleaned):
        return sorted(r.member.last_name for r in filters.apply(rows, cleaned))

    assert len(members(book=["WIRE SEATTLE"], tier=["2"])) == 2
    assert members(book=["WIRE SEATTLE"], tier=["2"]) == ["Foster", "Jones"]
    assert len(members(tier=["1"])) == 8
    assert members(working_as=[Classification.APPRENTICE_WIREPERSON]) == ["Foster"]
    # Baker holds both skills asked for: listed once
    assert members(skill=Skill.objects.filter(pk__in=[splicing.pk, lift.pk])) == ["Baker", "Davis"]
    assert members(skill=Skill.objects.filter(pk=splicing.pk)) == ["Baker"]


def test_a_filter_is_offered_only_where_its_field_exists():
    assert DispatchFilters.offers("employer")
    assert DispatchFilters.offers("date_from")
    assert not RegistrationFilters.offers("employer")  # a registration has no employer
    assert not MemberFilters.offers("date_from")
    with pytest.raises(ValueError, match="has no filter shoe_size"):
        DispatchFilters.taking("employer", "shoe_size")


class Dispatched(framework.Report):
    """The hall's dispatches with every member filter: what an Advanced-tab report offers."""

    slug = "dispatched-by-demographics"
    title = "Dispatched"
    filterset = DispatchFilters.taking("working_as", "age_from", "age_to", "race", "gender", "date_from", "date_to")
    selector = staticmethod(lambda: Dispatch.objects.values("id", "member__last_name"))
    columns = (framework.Column("member__last_name", "Name"),)


@pytest.fixture
def dispatched(hall, monkeypatch):
    """The report registered for the test's length; the three members dispatched given their
    demographics by an officer: Adams female, Hispanic, born 1 Mar 1990 (36 on Monday 7 Dec 2026);
    Hill male, Asian, born 7 Dec 1970 (56 that very day); Irwin male, White, born 8 Dec 2000 (25:
    26 only the day after)."""
    from members import services as member_services
    from unioncore.tests.factories import StaffFactory

    Dispatched.filters = Dispatched.filterset.form_class()  # as `register` does
    monkeypatch.setitem(framework.REPORTS, Dispatched.slug, Dispatched)
    officer = StaffFactory(groups=["officer"])
    for name, gender, race, born in (("Adams", "female", "hispanic", D(1990, 3, 1)),
                                     ("Hill", "male", "asian", D(1970, 12, 7)),
                                     ("Irwin", "male", "white", D(2000, 12, 8))):  # fmt: skip
        member_services.member_demographics_set(
            member_id=hall.member(name).pk, by=officer, gender=gender, race=race, birth_date=born
        )
    return reverse("admin:reports_report", args=[Dispatched.slug])


def last_names(response) -> list[str]:
    return sorted(row[0][0] for kind, row in response.context["body"] if kind == "row")


def test_an_officer_filters_by_race_gender_and_ages(dispatched, client, officer):
    client.force_login(officer)
    everyone = client.get(dispatched, WEEKS)
    assert {"race", "gender", "age_from", "age_to"} <= set(everyone.context["form"].fields)
    assert last_names(everyone) == ["Adams", "Hill", "Irwin"]
    for wanted, expected in (
        ({"gender": "female"}, ["Adams"]),
        ({"gender": "male"}, ["Hill", "Irwin"]),
        ({"race": "white"}, ["Irwin"]),
        ({"race": ["asian", "hispanic"]}, ["Adams", "Hill"]),  # several values: either
        ({"gender": "male", "race": "asian"}, ["Hill"]),  # two filters: both
        # 26 or older: born on or before 7 Dec 2000 — Irwin (8 Dec 2000) is 25 until tomorrow
        ({"age_from": "26"}, ["Adams", "Hill"]),
        # 25 or younger: born after 7 Dec 2000 (26 years before today)
        ({"age_to": "25"}, ["Irwin"]),
        # exactly 56: born 8 Dec 1969 – 7 Dec 1970; Hill's birthday is today
        ({"age_from": "56", "age_to": "56"}, ["Hill"]),
        ({"age_from": "37", "age_to": "55"}, []),  # Adams is 36, Hill 56
    ):
        response = client.get(dispatched, {**WEEKS, **wanted})
        assert response.status_code == 200, wanted
        assert last_names(response) == expected, wanted
    described = dict(framework.describe_filters(client.get(dispatched, {**WEEKS, "race": "white"}).context["form"]))
    assert described["Race"] == "White"
    assert ReportRun.objects.filter(report=Dispatched.slug).order_by("-id").first().filters["race"] == ["white"]


def test_a_dispatcher_neither_sees_nor_passes_the_demographic_filters(dispatched, client, dispatcher):
    """The values are ignored: all three rows, no demographic label on the page, in the run's
    record or in the file, and the demographics table is never read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(dispatcher)
    sneaky = {**WEEKS, "gender": "female", "race": "white", "age_from": "40"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(dispatched, sneaky)
        export = client.get(reverse("admin:reports_export", args=[Dispatched.slug, "csv"]), sneaky)
        content = b"".join(export.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert not DEMOGRAPHIC_FILTERS & set(response.context["form"].fields)
    assert last_names(response) == ["Adams", "Hill", "Irwin"]
    page = response.content.decode()
    for label in ("Race", "Gender", "Age from", "Hispanic"):
        assert label not in page, label
        assert label not in content, label
    assert sorted(content.splitlines()[-3:]) == ["Adams", "Hill", "Irwin"]
    assert all(not DEMOGRAPHIC_FILTERS & set(run.filters) for run in ReportRun.objects.filter(report=Dispatched.slug))
    assert not any("memberdemographics" in q["sql"] for q in queries.captured_queries)
    assert "gender" not in Dispatched.form({"gender": "female"}).fields  # nor without a user


def test_registrations_and_members_are_filtered_through_their_demographics(dispatched):
    """Only the three dispatched members have demographics; the rest of the hall has none and no
    demographic filter matches them."""
    registrations = RegistrationFilters.taking("race", "gender", "age_from")
    assert RegistrationFilters.offers("race")
    assert MemberFilters.offers("age_from")
    rows = BookRegistration.objects.all()
    assert [r.member.last_name for r in registrations.apply(rows, {"gender": ["female"]})] == ["Adams"]
    assert sorted(r.member.last_name for r in registrations.apply(rows, {"age_from": 30})) == ["Adams", "Hill"]
    members = MemberFilters.taking("race")
    assert [m.last_name for m in members.apply(Member.objects.all(), {"race": ["white"]})] == ["Irwin"]


def test_the_eeoc_report_needs_both_demographic_permissions(hall, officer, dispatcher):
    """An officer holds both (unioncore/roles.py); a user granted only one of them by hand may not run it."""
    from django.contrib.auth.models import Permission

    from unioncore.tests.factories import StaffFactory

    eeoc = framework.get("eeoc-report")
    assert eeoc.permission == framework.DEMOGRAPHIC
    assert eeoc.can_run(officer)
    assert not eeoc.can_run(dispatcher)
    for codename in ("demographic_reports", "view_memberdemographics"):
        user = StaffFactory(groups=["dispatcher"])
        user.user_permissions.add(Permission.objects.get(codename=codename))
        assert not eeoc.can_run(type(user).objects.get(pk=user.pk)), codename


def test_the_launch_reports_take_laborpowers_filters(hall, client, dispatcher):
    """Roll-offs today: Evans (WIRE SEATTLE, by staff). Dispatches: Hill to Beta (16 Nov), Adams to
    Alpha and Irwin to Beta (Monday; Irwin's made last): all three, newest first, for both
    employers. Requests taken Friday: Adams', Irwin's (filled) and the open one."""
    client.force_login(dispatcher)
    roll_offs = reverse("admin:reports_report", args=["roll-off-report"])
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    assert names(client.get(roll_offs, {**monday, "book": "WIRE SEATTLE"})) == ["Evans"]
    assert names(client.get(roll_offs, {**monday, "book": "WIRE SEATTLE", "reason": "re_sign_missed"})) == []
    assert client.get(roll_offs, {**monday, "reason": "bored"}).status_code == 400

    history = reverse("admin:reports_report", args=["employer-dispatch-history"])
    both = QueryDict(mutable=True)
    both.setlist("employer", [str(hall.employers["alpha"].pk), str(hall.employers["beta"].pk)])
    response = client.get(f"{history}?{both.urlencode()}")
    column = [h["column"].accessor for h in response.context["headers"]].index("name")
    assert [row[column][0] for kind, row in response.context["body"]] == ["Irwin, Pat", "Adams, Pat", "Hill, Pat"]
    assert client.get(history, {"date_from": "2026-12-07"}).status_code == 400  # an employer is required
    assert "page" not in client.get(history).context  # a first visit: the form, no rows

    register = reverse("admin:reports_report", args=["job-request-register"])
    friday = {"date_from": "2026-12-04", "date_to": "2026-12-04"}
    assert client.get(register, {**friday, "book": "WIRE SEATTLE"}).context["count"] == 3
    assert client.get(register, {**friday, "status": "open", "job_class": "journeyman"}).context["count"] == 1
    assert client.get(register, {**friday, "job_class": "foreman"}).context["count"] == 0


def test_short_calls_and_bids_take_the_basic_tab_s_filters(hall, client, dispatcher):
    """Short calls: Hill (since 16 Nov, overdue) and Irwin (since today), both WIRE SEATTLE : 1.
    Bids: Baker and Davis on Alpha's open request, placed Monday."""
    client.force_login(dispatcher)
    short_calls = reverse("admin:reports_report", args=["short-call-report"])
    assert names(client.get(short_calls, {"book": "WIRE SEATTLE"})) == ["Hill", "Irwin"]
    assert names(client.get(short_calls, {"book": "WIRE SEATTLE", "tier": "2"})) == []
    assert names(client.get(short_calls, {"book": "WIRE SEATTLE", "overdue_only": "on"})) == ["Hill"]
    index = client.get(reverse("admin:reports_index")).context["groups"]["Basic"]
    overdue = next(e for e in index if e.lp_id == "B-09")
    assert names(client.get(overdue.url)) == ["Hill"]  # LaborPower's list: the overdue ones

    bids = reverse("admin:reports_report", args=["online-bid-report"])
    monday = {"date_from": "2026-12-07", "date_to": "2026-12-07"}
    assert names(client.get(bids, {**monday, "employer": hall.employers["alpha"].pk})) == ["Baker", "Davis"]
    assert names(client.get(bids, {**monday, "employer": hall.employers["beta"].pk})) == []
    assert names(client.get(bids, {**monday, "book": "WIRE SEATTLE"})) == ["Baker", "Davis"]
