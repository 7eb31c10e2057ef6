"""LaborPower's filters as one django-filter family (issue 24, item 2): each filter on the hall of
reports/tests/conftest.py, counted by hand; several values of one filter; a filter the rows may
match twice (skills) keeps each row once; demographic filters for officers only; bad values are
form errors that change nothing.

The hall's dispatches (all from WIRE SEATTLE : 1, inside wireperson in Seattle):
Hill to Beta (offered Mon 16 Nov), Adams to Alpha and Irwin to Beta (both Mon 7 Dec)."""

import django_filters
import pytest
from django.http import QueryDict
from django.urls import reverse

from members.enums import Classification
from members.models import Member, MemberSkill, Skill
from referral.models import BookRegistration
from reports import framework
from reports.filters import DEMOGRAPHIC_FILTERS, DispatchFilters, MemberFilters, RegistrationFilters
from reports.models import ReportRun

pytestmark = pytest.mark.django_db

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


class StandInFilters(MemberFilters):
    """Gender read from the member's classification: a stand-in for the demographic fields
    (members get them with issue 24's demographic data) to test who is offered the filter."""

    paths = {**MemberFilters.paths, "gender": "classification"}
    gender = django_filters.MultipleChoiceFilter(choices=Classification.choices, label="Gender", method="by_in")


def test_demographic_filters_are_offered_to_officers_only(hall, dispatcher, officer):
    class Demo(framework.Report):
        slug = "demographic-stand-in"
        filterset = StandInFilters.taking("working_as", "gender")
        selector = staticmethod(lambda: Member.objects.values("last_name"))
        columns = (framework.Column("last_name", "Name"),)

    Demo.filters = Demo.filterset.form_class()  # as `register` does
    assert "gender" in DEMOGRAPHIC_FILTERS
    wanted = {"gender": Classification.APPRENTICE_WIREPERSON}
    officers = Demo.form(wanted, user=officer)
    assert "gender" in officers.fields
    assert officers.is_valid()
    assert Demo.count(Demo.rows(officers.cleaned_data)) == 0  # no apprentice in the hall
    dispatchers = Demo.form(wanted, user=dispatcher)
    assert "gender" not in dispatchers.fields  # not shown, and the value given is ignored
    assert "gender" not in Demo.form(wanted).fields  # nor without a user
    assert dispatcher.has_perm(framework.DEMOGRAPHIC) is False
    assert officer.has_perm(framework.DEMOGRAPHIC) is True
