import datetime

import factory
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken

from dispatch.models import HallSettings, Steward
from dispatch.tests.factories import (
    DispatchFactory,
    EmployerBarFactory,
    EmployerContactFactory,
    EmployerContractFactory,
    EmployerFactory,
    EmployerUserFactory,
    JobBidFactory,
    ReferralCandidateFactory,
    ReferralRunFactory,
    ReferralSuspensionFactory,
)
from fulfillment.tests.factories import (
    AcknowledgementFactory,
    DisputeFactory,
    EjectionFactory,
    NotificationFactory,
    OfflineSyncFactory,
    TimeLogFactory,
)
from members.enums import LetterKind
from members.models import CopeCheckoff, LetterTemplate, MemberDemographics, Skill, Traveler, TravelLetter
from members.tests.factories import MemberFactory, MemberTransactionFactory
from referral.tests.factories import (
    BookRegistrationFactory,
    HolidayFactory,
    MaintenanceRunFactory,
    MorningReferralFactory,
    ReferralBookFactory,
    RegistrationActivityFactory,
    RegistrationRequestFactory,
)
from reports.models import ReportSchedule, SavedReport, ScheduledRun
from reports.tests.factories import ExportJobFactory, ReportRunFactory
from unioncore import services
from unioncore.notifications import services as outbox
from unioncore.tests.factories import ImportJobFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

# How to make `n` more rows of each model the console lists.
MAKERS = {
    "unioncore.user": lambda n: UserFactory.create_batch(n),
    "auth.group": lambda n: [Group.objects.create(name=f"group {i}-{Group.objects.count()}") for i in range(n)],
    "members.member": lambda n: MemberFactory.create_batch(n, user=factory.SubFactory(UserFactory)),
    "members.membertransaction": lambda n: MemberTransactionFactory.create_batch(n),
    "members.skill": lambda n: [
        Skill.objects.create(code=f"skill-{Skill.objects.count()}", name="A skill") for _ in range(n)
    ],
    # Books with registrations on them, so that the live counts are part of the measure.
    "referral.referralbook": lambda n: [BookRegistrationFactory(book=ReferralBookFactory()) for _ in range(n)],
    "referral.bookregistration": lambda n: BookRegistrationFactory.create_batch(n),
    "referral.registrationactivity": lambda n: RegistrationActivityFactory.create_batch(n),
    "referral.holiday": lambda n: HolidayFactory.create_batch(n),
    "referral.maintenancerun": lambda n: MaintenanceRunFactory.create_batch(n),
    "referral.registrationrequest": lambda n: RegistrationRequestFactory.create_batch(n),
    "referral.morningreferral": lambda n: MorningReferralFactory.create_batch(n),
    # Employers with contract codes, contacts, a login and an open dispatch (the live counts).
    "dispatch.employer": lambda n: [make_employer() for _ in range(n)],
    "dispatch.jobrequest": lambda n: [d.job_request for d in DispatchFactory.create_batch(n)],
    "dispatch.dispatch": lambda n: DispatchFactory.create_batch(n),
    "dispatch.referralrun": lambda n: [(BookRegistrationFactory(), ReferralRunFactory())[1] for _ in range(n)],
    "dispatch.referralcandidate": lambda n: ReferralCandidateFactory.create_batch(n),
    "dispatch.jobbid": lambda n: JobBidFactory.create_batch(n),
    "dispatch.referralsuspension": lambda n: ReferralSuspensionFactory.create_batch(n),
    "dispatch.employerbar": lambda n: EmployerBarFactory.create_batch(n),
    "dispatch.hallsettings": lambda n: [HallSettings.objects.get_or_create(pk=1)[0]],  # one row, ever
    "fulfillment.timelog": lambda n: TimeLogFactory.create_batch(n),
    "notifications.notification": lambda n: NotificationFactory.create_batch(n),
    # STOP / START answers, through the service (each a new person who texted STOP).
    "notifications.smsoptout": lambda n: [
        outbox.sms_opt_out(user=(user := UserFactory()), by=user, via="sms") for _ in range(n)
    ],
    "fulfillment.dispute": lambda n: DisputeFactory.create_batch(n),
    "fulfillment.clockinacknowledgement": lambda n: AcknowledgementFactory.create_batch(n),
    "fulfillment.timelogofflinesync": lambda n: OfflineSyncFactory.create_batch(n),
    "fulfillment.ejection": lambda n: EjectionFactory.create_batch(n),
    # Phone API tokens (knox's own admin): one per device login.
    "knox.authtoken": lambda n: [AuthToken.objects.create(UserFactory())[0] for _ in range(n)],
    # LaborPower files uploaded from the console (the upload is its add page).
    "unioncore.importjob": lambda n: ImportJobFactory.create_batch(n),
    # Sign-in links, through the service (each to a new account reachable by email).
    "unioncore.loginlink": lambda n: [
        services.login_link_send(identifier=UserFactory(email="member@example.org").username) for _ in range(n)
    ],
    # Who ran which report, and the large exports built in the background.
    "reports.reportrun": lambda n: ReportRunFactory.create_batch(n),
    "reports.exportjob": lambda n: ExportJobFactory.create_batch(n),
    # Saved reports (saved from the report's page), their schedules and the runs of those.
    "reports.savedreport": lambda n: [make_saved_report() for _ in range(n)],
    "reports.reportschedule": lambda n: [make_schedule() for _ in range(n)],
    "reports.scheduledrun": lambda n: [make_scheduled_run() for _ in range(n)],
    # The records LaborPower's reports read (decision 0049).
    "members.memberdemographics": lambda n: [
        MemberDemographics.objects.create(member=MemberFactory(), gender="female") for _ in range(n)
    ],
    "members.traveler": lambda n: [
        Traveler.objects.create(member=MemberFactory(), home_local="0077", arrived_on=DAY) for _ in range(n)
    ],
    "members.travelletter": lambda n: [
        TravelLetter.objects.create(member=MemberFactory(), to_local="0077", issued_on=DAY, issued_by=UserFactory())
        for _ in range(n)
    ],
    "members.copecheckoff": lambda n: [
        CopeCheckoff.objects.create(member=MemberFactory(), amount="5.00", started_on=DAY) for _ in range(n)
    ],
    "dispatch.steward": lambda n: [
        Steward.objects.create(member=MemberFactory(), employer=EmployerFactory(), appointed_on=DAY) for _ in range(n)
    ],
    # One text per letter: there are only ever two rows.
    "members.lettertemplate": lambda n: [
        LetterTemplate.objects.get_or_create(kind=kind, defaults={"letterhead": "L", "body": "B", "closing": "C"})[0]
        for kind in LetterKind.values
    ],
}
DAY = datetime.date(2026, 11, 2)


def make_saved_report():
    saved = SavedReport.objects.create(name="Book 1 this week", report="registration-list", owner=UserFactory())
    saved.shared_with.add(Group.objects.create(name=f"shared {SavedReport.objects.count()}"))
    return saved


def make_schedule():
    return ReportSchedule.objects.create(
        saved_report=make_saved_report(), frequency="weekly", weekday=1, at_time=datetime.time(7, 0),
        recipients="officer@example.org", created_by=UserFactory(),
    )  # fmt: skip


def make_scheduled_run():
    at = timezone.make_aware(datetime.datetime(2026, 11, 2, 7, 0))
    schedule = make_schedule()
    return ScheduledRun.objects.create(
        schedule=schedule, slot=at, report="registration-list", name=schedule.saved_report.name, format="xlsx",
        status="sent", started_at=at, finished_at=at, user=schedule.created_by, row_count=3,
    )  # fmt: skip


def make_employer():
    employer = EmployerContractFactory().employer
    EmployerContractFactory(employer=employer, contract_code="RESIDENTIAL")
    EmployerContactFactory(employer=employer)
    EmployerUserFactory(employer=employer)
    DispatchFactory(job_request__employer=employer)
    return employer


# Records only the services write: the console shows them and has no add page for them.
WRITTEN_BY_SERVICES_ONLY = {
    "dispatch.hallsettings",  # one row, made by its migration: changed, never added
    "referral.registrationactivity",
    "referral.maintenancerun",
    "referral.registrationrequest",
    "referral.morningreferral",
    "dispatch.referralrun",
    "dispatch.referralcandidate",
    "dispatch.jobbid",
    "dispatch.referralsuspension",
    "fulfillment.timelog",
    "notifications.notification",
    "notifications.smsoptout",
    "fulfillment.dispute",
    "fulfillment.clockinacknowledgement",
    "fulfillment.timelogofflinesync",
    "fulfillment.ejection",
    "reports.reportrun",
    "reports.exportjob",
    "reports.savedreport",  # saved from the report's page
    "reports.scheduledrun",
    "unioncore.loginlink",
    "members.travelletter",  # written when a travel letter is printed
}


def registered():
    return sorted(admin.site._registry, key=lambda m: m._meta.label_lower)


def test_every_console_model_has_a_row_maker():
    assert {m._meta.label_lower for m in registered()} <= set(MAKERS)


def count_queries(client, url):
    client.get(url)  # warm the per-process caches (content types, session) so only the page counts
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("model", registered(), ids=lambda m: m._meta.label_lower)
def test_changelist_query_count_does_not_grow_with_rows(client, model):
    client.force_login(StaffFactory(groups=["admin"]))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    MAKERS[model._meta.label_lower](2)
    few = count_queries(client, url)
    MAKERS[model._meta.label_lower](20)
    many = count_queries(client, url)
    assert many == few, f"{few} queries for a few rows, {many} for 20 more"


@pytest.mark.parametrize(
    "model",
    [m for m in registered() if m._meta.label_lower not in WRITTEN_BY_SERVICES_ONLY],
    ids=lambda m: m._meta.label_lower,
)
def test_add_page_renders_with_a_constant_number_of_queries(client, model):
    client.force_login(StaffFactory(groups=["admin"]))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    MAKERS[model._meta.label_lower](2)
    few = count_queries(client, url)
    MAKERS[model._meta.label_lower](20)
    assert count_queries(client, url) == few


@pytest.mark.parametrize("label", sorted(WRITTEN_BY_SERVICES_ONLY))
def test_records_written_by_services_have_no_add_page_even_for_an_admin(client, label):
    client.force_login(StaffFactory(groups=["admin"]))
    app_label, model_name = label.split(".")
    assert client.get(reverse(f"admin:{app_label}_{model_name}_add")).status_code == 403


def test_the_member_page_with_its_ledger_runs_a_constant_number_of_queries(client):
    client.force_login(StaffFactory(groups=["admin"]))
    member = MemberFactory()
    MemberTransactionFactory.create_batch(2, member=member)
    url = reverse("admin:members_member_change", args=[member.pk])
    few = count_queries(client, url)
    MemberTransactionFactory.create_batch(20, member=member)
    assert count_queries(client, url) == few


def test_the_history_pages_render(client):
    client.force_login(StaffFactory(groups=["admin"]))
    member = MemberFactory()
    row = MemberTransactionFactory(member=member)
    for url in (
        reverse("admin:members_member_history", args=[member.pk]),
        reverse("admin:members_membertransaction_history", args=[row.pk]),
        reverse("admin:unioncore_user_history", args=[UserFactory().pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_dispatcher_cannot_manage_users(client):
    client.force_login(StaffFactory(groups=["dispatcher"]))
    assert client.get(reverse("admin:unioncore_user_changelist")).status_code == 403
    assert client.get(reverse("admin:unioncore_user_add")).status_code == 403
    assert client.get(reverse("admin:members_member_changelist")).status_code == 200


def test_an_officer_sees_users_but_cannot_change_them(client):
    client.force_login(StaffFactory(groups=["officer"]))
    assert client.get(reverse("admin:unioncore_user_changelist")).status_code == 200
    assert client.get(reverse("admin:unioncore_user_add")).status_code == 403


def test_an_admin_opens_an_account_from_the_console(client):
    client.force_login(StaffFactory(groups=["admin"]))
    response = client.post(
        reverse("admin:unioncore_user_add"),
        {"username": "supervisor7", "kind": "employer", "phone": "206 555 0177", "email": "",
         "password1": "a long pass phrase 46", "password2": "a long pass phrase 46", "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    from unioncore.models import User

    assert User.objects.get(username="supervisor7").phone == "+12065550177"


def test_two_accounts_cannot_share_a_phone(client):
    UserFactory(phone="+12065550177")
    client.force_login(StaffFactory(groups=["admin"]))
    response = client.post(
        reverse("admin:unioncore_user_add"),
        {"username": "supervisor7", "kind": "employer", "phone": "206 555 0177",
         "password1": "a long pass phrase 46", "password2": "a long pass phrase 46", "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "User with this Phone already exists." in response.content.decode()


def test_accounts_without_a_phone_do_not_collide():
    UserFactory(phone="")
    UserFactory(phone="")
