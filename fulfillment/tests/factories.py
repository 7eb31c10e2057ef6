"""The world around a time log: people who can be reached (a phone, an email), and a member on
the job, dispatched through the real services."""

import datetime

import factory
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.enums import EmployerRole
from dispatch.models import Dispatch, Employer, EmployerUser
from dispatch.tests.factories import EmployerUserFactory
from fulfillment.models import ClockInAcknowledgement, Dispute, Ejection, TimeLog, TimeLogOfflineSync
from members.models import Member
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.models import User, UserKind
from unioncore.notifications.models import Notification
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory, UserFactory


def _phone(n: int) -> str:
    return f"+1253555{n % 10000:04d}"


class ReachableUserFactory(UserFactory):
    """A login with a phone (E.164) and an email; pass `phone=None` or `email=""` to take one away."""

    phone = factory.Sequence(_phone)
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")


class WorkerFactory(MemberFactory):
    """A member with a reachable login (`worker.user`)."""

    user = factory.SubFactory(ReachableUserFactory, kind=UserKind.MEMBER)


class SiteUserFactory(EmployerUserFactory):
    """A reachable employer user; `role=EmployerRole.ADMIN` for a borrowing admin."""

    user = factory.SubFactory(ReachableUserFactory, kind=UserKind.EMPLOYER)
    role = EmployerRole.SUPERVISOR


class ReachableStaffFactory(StaffFactory):
    """A dispatcher with a phone and an email (the lending admin of the dispatches they make)."""

    phone = factory.Sequence(lambda n: _phone(n + 5000))
    email = factory.LazyAttribute(lambda user: f"{user.username}@local46.example.org")


def _officer():
    from unioncore.tests.factories import StaffFactory

    return StaffFactory(groups=["officer"])


def on_the_job(
    *,
    worker: Member,
    employer: Employer,
    by: User,
    day: datetime.date,
    worksite: str = "Pier 91",
    site_contact: User | None = None,
) -> Dispatch:
    """An accepted dispatch of `worker` to `employer` starting `day`, through the referral and
    dispatch services (the request taken a week before, at 10:00: referred before `day` even
    across a weekend and a holiday, as the request checks want). `by` — a dispatcher —
    becomes the lending admin; the employer's first user, the primary site contact, unless
    `site_contact` (an employer user's login) is named. Call it with the clock after the
    request's referral time (e.g. `day` at 6:00)."""
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    registration = referral_services.registration_register(member_id=worker.pk, book_id=book.pk, by=by)
    request = dispatch_services.job_request_create(
        by=by, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=day, report_time=datetime.time(7), worksite=worksite, wage_rate="60.00",
        taken_at=at(day - datetime.timedelta(days=7), 10),
    )  # fmt: skip
    # The worker named, whoever else is on the book: an officer's offer out of order (decision 0043).
    dispatch = dispatch_services.dispatch_offer(
        job_request_id=request.pk, registration_id=registration.pk, by=_officer(), override_reason="Named for the test"
    )
    dispatch = dispatch_services.dispatch_accept(dispatch_id=dispatch.pk, by=by)
    dispatch.lending_admin, dispatch._history_user = by, by
    # The offer's text to the member (dispatch's message) is not what time-log tests look at.
    Notification.objects.filter(about_id=dispatch.pk, kind="offer").delete()
    if site_contact is not None:
        dispatch.primary_site_contact = EmployerUser.objects.get(user=site_contact)
    dispatch.save()
    return dispatch


# --- Rows as they stand, for the console's list pages (the behaviour is tested via services) ---


class TimeLogFactory(factory.django.DjangoModelFactory):
    """A submitted day on a (pending) dispatch, waiting for the supervisor."""

    class Meta:
        model = TimeLog

    dispatch = factory.SubFactory("dispatch.tests.factories.DispatchFactory")
    worker = factory.SubFactory(UserFactory, kind=UserKind.MEMBER)
    status = "pending_verification"
    clock_in_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=9))
    clock_out_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    worker_clock_in = factory.SelfAttribute("clock_in_at")
    worker_clock_out = factory.SelfAttribute("clock_out_at")
    worker_break_minutes = 0
    worker_lunch_minutes = 30
    auto_approval_time = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=3))
    timer_cycle = 1


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    class Params:
        time_log = factory.SubFactory(TimeLogFactory)  # what the message is about

    about_id = factory.SelfAttribute("time_log.pk")
    recipient = factory.SelfAttribute("time_log.worker")
    channel = "sms"
    kind = factory.Sequence(lambda n: f"verify_t0_{n}")
    body = "Verify hours"


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    time_log = factory.SubFactory(TimeLogFactory, status="disputed")
    opened_by = factory.SubFactory(UserFactory, kind=UserKind.EMPLOYER)
    reason = "No-show after lunch"


class AcknowledgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClockInAcknowledgement

    time_log = factory.SubFactory(TimeLogFactory, status="working")
    user = factory.SubFactory(UserFactory, kind=UserKind.EMPLOYER)
    method = "deep_link_clicked"


class OfflineSyncFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeLogOfflineSync

    worker = factory.SubFactory(UserFactory, kind=UserKind.MEMBER)
    client_uuid = factory.Faker("uuid4")
    event_type = "clock_in"
    body_hash = "0" * 64
    device_time = factory.LazyFunction(timezone.now)
    clock_offset_seconds = 0


class EjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ejection

    time_log = factory.SubFactory(TimeLogFactory)
    dispatch = factory.SelfAttribute("time_log.dispatch")
    ejected_by = factory.SubFactory(UserFactory, kind=UserKind.EMPLOYER)
    reason = "Not on the crew list"
