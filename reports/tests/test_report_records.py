"""The records LaborPower's reports read that the hall did not keep before (decision 0049):
travelers, travel letters, COPE checkoffs, stewards, the 401(k) statement, the member's ID photo,
and the demographics (PII: officers only). Each is written by its service from its console page,
with its history; bad input is refused whole."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.models import Dispatch, Steward
from dispatch.tests.factories import EmployerFactory
from members import services as member_services
from members.models import CopeCheckoff, Member, MemberDemographics, Traveler
from members.tests.factories import MemberFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def member(db):
    return MemberFactory(last_name="Ortiz", first_name="Lena", card_number="4711")


def admin_add(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


# --- Travelers ---


def test_a_traveler_is_recorded_with_home_local_and_dates_and_history_names_who(member, dispatcher):
    traveler = member_services.traveler_record(
        by=dispatcher, member_id=member.pk, home_local="0077", arrived_on=D(2026, 11, 2)
    )
    traveler = member_services.traveler_record(by=dispatcher, traveler_id=traveler.pk, left_on=D(2026, 12, 4))
    assert (traveler.home_local, traveler.arrived_on, traveler.left_on) == ("0077", D(2026, 11, 2), D(2026, 12, 4))
    assert [h.history_user for h in traveler.history.all()] == [dispatcher, dispatcher]


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"home_local": "77", "arrived_on": D(2026, 11, 2)}, "home_local", "four digits"),
        ({"home_local": "0077", "arrived_on": D(2026, 11, 2), "left_on": D(2026, 11, 1)}, None, "cannot leave"),
        ({"home_local": "0077", "arrived_on": D(9999, 12, 31)}, "arrived_on", "not a plausible date"),
    ],
)
def test_a_bad_traveler_is_refused_and_nothing_is_written(member, dispatcher, fields, field, says):
    with pytest.raises(ValidationError) as refused:
        member_services.traveler_record(by=dispatcher, member_id=member.pk, **fields)
    assert says in str(refused.value)
    if field:
        assert field in refused.value.message_dict
    assert not Traveler.objects.exists()


def test_a_dispatcher_records_a_traveler_from_the_console(client, dispatcher, member):
    client.force_login(dispatcher)
    response = client.post(
        admin_add(Traveler), {"member": member.pk, "home_local": "0112", "arrived_on": "2026-10-01", "notes": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    traveler = Traveler.objects.get()
    assert (traveler.member, traveler.home_local) == (member, "0112")
    assert traveler.history.get().history_user == dispatcher
    # refused on the form, nothing written
    response = client.post(
        admin_add(Traveler), {"member": member.pk, "home_local": "0112", "arrived_on": "2026-10-05",
                              "left_on": "2026-10-01", "notes": ""},
    )  # fmt: skip
    assert response.status_code == 200
    assert "cannot leave before" in response.content.decode()
    assert Traveler.objects.count() == 1


# --- COPE checkoff ---


def test_one_running_cope_checkoff_a_member_a_new_amount_after_ending_the_old(member, officer):
    first = member_services.cope_checkoff_record(
        by=officer, member_id=member.pk, amount="5.00", started_on=D(2026, 1, 5)
    )
    with pytest.raises(ValidationError, match="already has a running COPE checkoff"):
        member_services.cope_checkoff_record(by=officer, member_id=member.pk, amount="7.50", started_on=D(2026, 6, 1))
    member_services.cope_checkoff_record(by=officer, checkoff_id=first.pk, ended_on=D(2026, 5, 31))
    member_services.cope_checkoff_record(by=officer, member_id=member.pk, amount="7.50", started_on=D(2026, 6, 1))
    assert list(CopeCheckoff.objects.order_by("started_on").values_list("amount", "ended_on")) == [
        (Decimal("5.00"), D(2026, 5, 31)),
        (Decimal("7.50"), None),
    ]


def test_a_cope_checkoff_of_nothing_is_refused(member, officer):
    with pytest.raises(ValidationError, match="above zero"):
        member_services.cope_checkoff_record(by=officer, member_id=member.pk, amount="0", started_on=D(2026, 1, 5))
    assert not CopeCheckoff.objects.exists()


# --- Stewards ---


def test_a_steward_is_appointed_for_an_employer_at_a_job_site_and_the_end_is_checked(member, dispatcher):
    alpha = EmployerFactory(name="Alpha Electric")
    steward = dispatch_services.steward_record(
        by=dispatcher, member_id=member.pk, employer_id=alpha.pk, worksite="Pier 91", appointed_on=D(2026, 3, 2)
    )
    with pytest.raises(ValidationError, match="cannot end before"):
        dispatch_services.steward_record(by=dispatcher, steward_id=steward.pk, ended_on=D(2026, 3, 1))
    assert Steward.objects.get().ended_on is None
    assert steward.history.get().history_user == dispatcher


# --- The 401(k) statement ---


def test_the_401k_statement_of_a_dispatch_is_recorded_once(dispatcher):
    from dispatch.tests.factories import DispatchFactory

    dispatch = DispatchFactory()
    assert dispatch.statement_401k is False
    dispatch_services.dispatch_statement_401k(dispatch_id=dispatch.pk, by=dispatcher)
    dispatch_services.dispatch_statement_401k(dispatch_id=dispatch.pk, by=dispatcher)  # twice is once
    dispatch = Dispatch.objects.get(pk=dispatch.pk)
    assert dispatch.statement_401k is True
    assert dispatch.history.filter(statement_401k=True).count() == 1


# --- Demographics: PII, officers only ---


def test_an_officer_keeps_a_member_s_demographics_on_the_member_page(client, officer, member):
    client.force_login(officer)
    url = reverse("admin:members_member_change", args=[member.pk])
    page = client.get(url).content.decode()
    assert "Demographics (EEOC; officers only)" in page
    response = client.post(url, _member_form(member, gender="female", race="hispanic", birth_date="1984-07-19"))
    assert response.status_code == 302, response.content.decode()[:3000]
    demographics = MemberDemographics.objects.get(member=member)
    assert (demographics.gender, demographics.race, demographics.birth_date) == ("female", "hispanic", D(1984, 7, 19))
    assert demographics.history.get().history_user == officer


def test_a_dispatcher_never_sees_the_demographics(client, dispatcher, member, officer):
    member_services.member_demographics_set(member_id=member.pk, by=officer, gender="male", race="asian")
    client.force_login(dispatcher)
    page = client.get(reverse("admin:members_member_change", args=[member.pk])).content.decode()
    assert "Demographics" not in page
    assert "Asian" not in page
    assert client.get(reverse("admin:members_memberdemographics_changelist")).status_code == 403
    assert not dispatcher.has_perm("members.view_memberdemographics")


def test_a_birth_date_in_the_future_is_refused(member, officer):
    with pytest.raises(ValidationError, match="not a plausible birth date"):
        member_services.member_demographics_set(member_id=member.pk, by=officer, birth_date=D(2099, 1, 1))
    assert not MemberDemographics.objects.exists()


def _member_form(member: Member, **demographics) -> dict:
    data = {
        "card_number": member.card_number, "first_name": member.first_name, "middle_name": member.middle_name,
        "last_name": member.last_name, "classification": member.classification, "status": member.status,
        "phone": "", "email": member.email, "address_line1": "", "address_line2": "", "city": "", "state": "",
        "zip_code": "", "exempt_reason": "", "exempt_until": "", "notes": "",
        "transactions-TOTAL_FORMS": "0", "transactions-INITIAL_FORMS": "0",
        "demographics-TOTAL_FORMS": "1", "demographics-INITIAL_FORMS": "0",
        "demographics-0-member": str(member.pk), "demographics-0-id": "",
    }  # fmt: skip
    data.update({f"demographics-0-{k}": v for k, v in demographics.items()})
    return data


def test_no_report_a_dispatcher_can_run_reads_the_demographics(hall, dispatcher):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import framework

    runnable = framework.visible_to(dispatcher)
    assert runnable
    for report in runnable:
        assert not any("demographics" in c.accessor or "demographics" in c.sort_field for c in report.columns)
        form = report.form(report.initial())
        if not form.is_valid():
            continue  # a report that needs a filter typed (a card number): its columns are checked above
        with CaptureQueriesContext(connection) as queries:
            rows = report.rows(form.cleaned_data)
            list(report.iterate(rows))
        assert not any("memberdemographics" in q["sql"] for q in queries), report.slug
