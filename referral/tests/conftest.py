import datetime
from zoneinfo import ZoneInfo

import pytest

from members.tests.factories import MemberFactory
from referral import services
from referral.models import ReferralBook
from unioncore.tests.factories import StaffFactory

LA = ZoneInfo("America/Los_Angeles")


def at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    """A moment of the hall's day (Los Angeles time)."""
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LA)


@pytest.fixture
def dispatcher(db):
    return StaffFactory(groups=["dispatcher"])


@pytest.fixture
def officer(db):
    return StaffFactory(groups=["officer"])


@pytest.fixture
def book(db):
    return ReferralBook.objects.get(code="WIRE_SEA_1")


@pytest.fixture
def register(dispatcher):
    """register(book=..., member=None, when=None, apn=None) through the service."""

    def _register(book, member=None, when=None, apn=None):
        member = member or MemberFactory()
        return services.registration_register(
            member_id=member.pk, book_id=book.pk, by=dispatcher, registered_at=when, apn=apn
        )

    return _register
