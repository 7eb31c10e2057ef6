import datetime

import pytest
import time_machine

from dispatch import services
from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch
from dispatch.tests.factories import EmployerFactory
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.errors import RuleViolation
from unioncore.testing import at, run_concurrently
from unioncore.tests.factories import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql_only(
        reason="threads racing on their own connections; SQLite's in-memory test database is one connection, one writer"
    ),
]

MONDAY = datetime.date(2026, 12, 7)
ATTEMPTS = 50


def new_request(staff, workers):
    return services.job_request_create(
        by=staff, employer_id=EmployerFactory().pk, book_classification="inside_wireperson", region="seattle",
        workers_wanted=workers, start_date=MONDAY + datetime.timedelta(days=1), report_time=datetime.time(7),
        worksite="Boeing Field", wage_rate="58.50", taken_at=at(MONDAY - datetime.timedelta(days=3), 10),
    )  # fmt: skip


@pytest.fixture
def world():
    with time_machine.travel(at(MONDAY, 9), tick=False):
        staff = StaffFactory()
        book = ReferralBook.objects.get(code="WIRE_SEA_1")
        yield staff, book


def sign(book, staff, member=None):
    member = member or MemberFactory()
    return referral_services.registration_register(member_id=member.pk, book_id=book.pk, by=staff)


def test_fifty_dispatchers_offering_one_member_at_once_dispatch_them_once(world):
    staff, book = world
    registration = sign(book, staff)
    requests = [new_request(staff, 1) for _ in range(ATTEMPTS)]
    results = run_concurrently(
        *[lambda r=r: services.dispatch_offer(job_request_id=r.pk, registration_id=registration.pk, by=staff)
          for r in requests]
    )  # fmt: skip
    made = [r for r in results if isinstance(r, Dispatch)]
    refused = [r for r in results if isinstance(r, RuleViolation)]
    others = [r for r in results if r not in made and r not in refused]
    assert not others, others[:3]
    assert len(made) == 1, f"{len(made)} dispatches of one member from {ATTEMPTS} attempts"
    assert Dispatch.objects.filter(member=registration.member, status=DispatchStatus.PENDING).count() == 1


def test_fifty_offers_on_a_request_with_three_places_fill_exactly_three(world):
    staff, book = world
    request = new_request(staff, 3)
    registrations = [sign(book, staff) for _ in range(ATTEMPTS)]
    officer = StaffFactory(groups=["officer"])  # any of the fifty: officers' offers out of order (decision 0043)
    results = run_concurrently(
        *[lambda g=g: services.dispatch_offer(job_request_id=request.pk, registration_id=g.pk, by=officer,
                                              override_reason="Race")
          for g in registrations]
    )  # fmt: skip
    made = [r for r in results if isinstance(r, Dispatch)]
    refused = {r.code for r in results if isinstance(r, RuleViolation)}
    assert len(made) == 3, f"{len(made)} dispatches on a request for 3"
    assert refused == {"request_full"}
    assert request.dispatches.count() == 3
