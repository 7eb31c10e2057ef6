"""Fixtures shared by every app's tests."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _empty_the_test_broker():
    """Transactional tests enqueue real tasks on commit (notifications); leave Redis clean."""
    yield
    from unioncore.celery import app

    app.control.purge()


@pytest.fixture
def system_user(db):
    from unioncore.audit import system_user

    return system_user()


@pytest.fixture
def dispatcher(db):
    from unioncore.tests.factories import StaffFactory

    return StaffFactory(groups=["dispatcher"])


@pytest.fixture
def officer(db):
    from unioncore.tests.factories import StaffFactory

    return StaffFactory(groups=["officer"])


@pytest.fixture
def book(db):
    from referral.models import ReferralBook

    return ReferralBook.objects.get(code="WIRE_SEA_1")


@pytest.fixture
def register(dispatcher):
    """register(book, member=None, when=None, apn=None): a member on a book, through the service."""
    from members.tests.factories import MemberFactory
    from referral import services

    def _register(book, member=None, when=None, apn=None):
        member = member or MemberFactory()
        return services.registration_register(
            member_id=member.pk, book_id=book.pk, by=dispatcher, registered_at=when, apn=apn
        )

    return _register
