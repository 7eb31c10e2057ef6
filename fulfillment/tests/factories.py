"""The world around a time log: people who can be reached (a phone, an email), and a member on
the job, dispatched through the real services."""

import datetime

import factory

from dispatch import services as dispatch_services
from dispatch.enums import EmployerRole
from dispatch.models import Dispatch, Employer
from dispatch.tests.factories import EmployerUserFactory
from members.models import Member
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.models import User, UserKind
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


def on_the_job(
    *, worker: Member, employer: Employer, by: User, day: datetime.date, worksite: str = "Pier 91"
) -> Dispatch:
    """An accepted dispatch of `worker` to `employer` starting `day`, through the referral and
    dispatch services (the request taken the Friday before, at 10:00). `by` — a dispatcher —
    becomes the lending admin; the employer's first user, the primary site contact. Call it
    with the clock after the request's referral time (e.g. `day` at 6:00)."""
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    registration = referral_services.registration_register(member_id=worker.pk, book_id=book.pk, by=by)
    request = dispatch_services.job_request_create(
        by=by, employer_id=employer.pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=1, start_date=day, report_time=datetime.time(7), worksite=worksite, wage_rate="60.00",
        taken_at=at(day - datetime.timedelta(days=3), 10),
    )  # fmt: skip
    dispatch = dispatch_services.dispatch_offer(job_request_id=request.pk, registration_id=registration.pk, by=by)
    return dispatch_services.dispatch_accept(dispatch_id=dispatch.pk, by=by)
