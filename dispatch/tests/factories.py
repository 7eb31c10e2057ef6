import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from dispatch import services
from dispatch.enums import CandidateOutcome, EmployerRole, SkipReason, SuspensionKind
from dispatch.models import (
    Dispatch,
    Employer,
    EmployerBar,
    EmployerContact,
    EmployerContract,
    EmployerUser,
    JobBid,
    JobRequest,
    ReferralCandidate,
    ReferralRun,
    ReferralSuspension,
)
from members.tests.factories import MemberFactory
from referral.enums import BookRegion, BookType
from referral.tests.factories import BookRegistrationFactory
from unioncore.audit import system_user
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    code = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"Cascade Electric {n}")
    city = "Seattle"
    state = "WA"


class EmployerContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContract

    employer = factory.SubFactory(EmployerFactory)
    contract_code = "WIREPERSON"


class EmployerUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerUser

    user = factory.SubFactory(UserFactory, kind=UserKind.EMPLOYER)
    employer = factory.SubFactory(EmployerFactory)
    role = EmployerRole.SUPERVISOR


class EmployerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerContact

    employer = factory.SubFactory(EmployerFactory)
    name = factory.Faker("name")
    title = "Project manager"


class EmployerBarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerBar

    employer = factory.SubFactory(EmployerFactory)
    member = factory.SubFactory(MemberFactory)
    reason = "Safety violation on a previous job"


class ReferralSuspensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralSuspension

    member = factory.SubFactory(MemberFactory)
    kind = SuspensionKind.REFERRAL
    reason = "Second discharge for cause within 12 months"


def day_after_referral(taken_at: datetime.datetime | None = None) -> datetime.date:
    """The first day a Seattle inside wire request taken at `taken_at` (now) may start at 7:00:
    the day after its referral morning (rule L2c)."""
    return services.earliest_start(
        book_classification=BookType.INSIDE_WIREPERSON, region=BookRegion.SEATTLE,
        taken_at=taken_at or timezone.now(), report_time=datetime.time(7),
    )  # fmt: skip


class JobRequestFactory(factory.django.DjangoModelFactory):
    """An open request for one inside wireperson in Seattle, taken now (or at `taken_at`) through
    the service, starting at 7:00 on the first day the request checks allow (rule L2c: the day
    after its 8:30 referral morning; tomorrow at 7:00 would be before it)."""

    class Meta:
        model = JobRequest

    employer = factory.SubFactory(EmployerFactory)
    book_classification = BookType.INSIDE_WIREPERSON
    region = BookRegion.SEATTLE
    workers_wanted = 1
    start_date = None  # the day after the referral morning (see `_create`)
    report_time = datetime.time(7, 0)
    worksite = "Pier 91"
    wage_rate = Decimal("58.50")
    by = factory.LazyFunction(system_user)

    @classmethod
    def _create(cls, model_class, *, employer, by, start_date, **fields):
        if start_date is None:
            start_date = services.earliest_start(
                book_classification=fields["book_classification"], region=fields["region"],
                taken_at=fields.get("taken_at") or timezone.now(), report_time=fields["report_time"],
            )  # fmt: skip
        return services.job_request_create(by=by, employer_id=employer.pk, start_date=start_date, **fields)


class ReferralRunFactory(factory.django.DjangoModelFactory):
    """A referral run of a new request, through the service (it ranks whoever is on the book)."""

    class Meta:
        model = ReferralRun

    job_request = factory.SubFactory(JobRequestFactory)
    by = factory.LazyFunction(system_user)

    @classmethod
    def _create(cls, model_class, *, job_request, by):
        return services.referral_run(job_request_id=job_request.pk, by=by)


class ReferralCandidateFactory(factory.django.DjangoModelFactory):
    """One more line of a run (the table is append-only: rows are only ever inserted)."""

    class Meta:
        model = ReferralCandidate

    run = factory.SubFactory(ReferralRunFactory)
    rank = factory.Sequence(lambda n: n + 1000)
    member = factory.SubFactory(MemberFactory)
    apn = factory.Sequence(lambda n: Decimal(46000 + n) + Decimal("0.01"))
    tier = 1
    outcome = CandidateOutcome.SKIPPED
    skip_reason = SkipReason.ALREADY_DISPATCHED


class DispatchFactory(factory.django.DjangoModelFactory):
    """An offer (a pending dispatch) to a member newly signed onto the request's book, through
    the services."""

    class Meta:
        model = Dispatch

    job_request = factory.SubFactory(JobRequestFactory)
    registration = factory.SubFactory(BookRegistrationFactory)
    by = factory.LazyFunction(system_user)

    @classmethod
    def _create(cls, model_class, *, job_request, registration, by, **fields):
        return services.dispatch_offer(job_request_id=job_request.pk, registration_id=registration.pk, by=by, **fields)


class JobBidFactory(factory.django.DjangoModelFactory):
    """A pending bid on a request, by a member on its book (written as it stands: the window
    rule is the service's, tested there)."""

    class Meta:
        model = JobBid

    job_request = factory.SubFactory(JobRequestFactory)
    registration = factory.SubFactory(BookRegistrationFactory)
    member = factory.SelfAttribute("registration.member")
