import datetime
from decimal import Decimal

import factory

from members.tests.factories import MemberFactory
from referral import services
from referral.enums import BookRegion, BookType, RegistrationAction
from referral.models import (
    BookRegistration,
    Holiday,
    MaintenanceRun,
    MorningReferral,
    ReferralBook,
    RegistrationActivity,
    RegistrationRequest,
)
from unioncore.audit import system_user
from unioncore.tests.factories import UserFactory


def book(code: str = "WIRE_SEA_1") -> ReferralBook:
    """One of the 11 books the migration loads."""
    return ReferralBook.objects.get(code=code)


class ReferralBookFactory(factory.django.DjangoModelFactory):
    """A book beyond the 11 of the migration (tiers 3, 4, … of Port Angeles technicians)."""

    class Meta:
        model = ReferralBook

    code = factory.Sequence(lambda n: f"TEST_{n}")
    name = factory.LazyAttribute(lambda o: f"Test book {o.code}")
    classification = BookType.TECHNICIAN
    region = BookRegion.PORT_ANGELES
    book_number = factory.Sequence(lambda n: n + 3)
    referral_start_time = datetime.time(9, 0)


class BookRegistrationFactory(factory.django.DjangoModelFactory):
    """A member signed onto a book through the service. Each row gets its own day's APN, so rows
    made later stand later on the book."""

    class Meta:
        model = BookRegistration

    member = factory.SubFactory(MemberFactory)
    book = factory.LazyFunction(book)
    apn = factory.Sequence(lambda n: Decimal(46000 + n) + Decimal("0.01"))
    by = factory.LazyFunction(system_user)

    @classmethod
    def _create(cls, model_class, *, member, book, apn, by, **kwargs):
        return services.registration_register(member_id=member.pk, book_id=book.pk, apn=apn, by=by, **kwargs)


class RegistrationActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationActivity

    registration = factory.SubFactory(BookRegistrationFactory)
    action = RegistrationAction.RE_SIGN
    actor = factory.SubFactory(UserFactory)
    apn = factory.LazyAttribute(lambda o: o.registration.apn)


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    name = factory.Sequence(lambda n: f"Hall closed {n}")


class MaintenanceRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaintenanceRun

    book = factory.LazyFunction(book)
    run_on = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))


class RegistrationRequestFactory(factory.django.DjangoModelFactory):
    """A registration held for the morning referral (written as it stands: when it is held is
    the service's rule, tested there)."""

    class Meta:
        model = RegistrationRequest

    member = factory.SubFactory(MemberFactory)
    book = factory.LazyFunction(book)
    received_by = factory.SubFactory(UserFactory)


class MorningReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MorningReferral

    day = factory.Sequence(lambda n: datetime.date(2030, 1, 1) + datetime.timedelta(days=n))
    completed_by = factory.SubFactory(UserFactory)
