"""A small hall, built through the services, that a person can count by hand.

Monday 7 December 2026, 9:00 in Seattle. Inside Wireperson, Seattle:

Book 1 (WIRE_SEA_1)                          Book 2 (WIRE_SEA_2)
  46000.01 Adams   dispatched (Alpha Electric)  46001.01 Foster  out of work
  46000.02 Baker   out of work, 1 check mark    46001.02 Jones   out of work, exempt (member, all books)
  46000.03 Clark   out of work, exempt (book)
  46000.04 Davis   out of work, re-sign due Wed 9 Dec; a pass without check mark (medical)
  46000.05 Evans   rolled off by staff today
  46000.06 Green   out of work, re-sign 10 days overdue
  46000.07 Hill    short call since Mon 16 Nov (Beta Builders) — overdue
  46000.08 Irwin   short call since today (Beta Builders)

Requests: #Adams (Alpha, taken Fri 4 Dec, filled), #Irwin (Beta, short call, taken Fri 4 Dec,
filled), #Hill (Beta, short call, taken Fri 13 Nov, filled), #Open (Alpha, 3 wanted, taken Fri
4 Dec, open) with online bids by Baker and Davis.
Contracts: Alpha WIREPERSON and S&C, Beta WIREPERSON.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import time_machine

from dispatch import services as dispatch_services
from dispatch.models import JobBid
from dispatch.tests.factories import EmployerContractFactory, EmployerFactory, EmployerUserFactory
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.testing import at

D = datetime.date
MONDAY = D(2026, 12, 7)
FRIDAY = D(2026, 12, 4)


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY, 9), tick=False) as traveller:
        yield traveller


@dataclass
class Hall:
    regs: dict = field(default_factory=dict)
    employers: dict = field(default_factory=dict)
    requests: dict = field(default_factory=dict)
    dispatches: dict = field(default_factory=dict)

    def member(self, name):
        return self.regs[name].member


def _request(by, employer, *, taken: D, start: D, short_call=False, wanted=1):
    """A call as the hall's history has it. Friday's calls for Monday 7:00 start before their
    Monday 8:30 referral: taken on an officer's word (rule L2c), so the days the reports count stay."""
    from unioncore.tests.factories import StaffFactory

    return dispatch_services.job_request_create(
        by=StaffFactory(groups=["officer"]), employer_id=employer.pk, book_classification="inside_wireperson",
        region="seattle", workers_wanted=wanted, start_date=start, report_time=datetime.time(7), worksite="Pier 91",
        wage_rate="58.50", is_short_call=short_call, expected_days=2 if short_call else None,
        taken_at=at(taken, 10), override_reason="The reports' hall: called in for the next working morning",
    )  # fmt: skip


def _send(by, request, registration):
    """Dispatch the member named, whoever is ahead: an officer's offer out of order (decision 0043)."""
    from unioncore.tests.factories import StaffFactory

    officer = StaffFactory(groups=["officer"])
    offer = dispatch_services.dispatch_offer(
        job_request_id=request.pk, registration_id=registration.pk, by=officer, override_reason="Named for the reports"
    )
    return dispatch_services.dispatch_accept(dispatch_id=offer.pk, by=by)


@pytest.fixture(scope="module")
def _hall(django_db_setup, django_db_blocker):
    """Built once per test module inside a transaction rolled back at its end; each test runs
    in a savepoint inside it (pytest-django's `db`), so tests cannot see each other's writes."""
    from django.db import transaction

    from unioncore.tests.factories import StaffFactory

    with django_db_blocker.unblock(), time_machine.travel(at(MONDAY, 9), tick=False), transaction.atomic():
        hall = build_hall(StaffFactory(groups=["dispatcher"], username="hall_dispatcher"))
        yield hall
        transaction.set_rollback(True)


@pytest.fixture
def hall(_hall, db, clock):
    return _hall


def build_hall(dispatcher) -> "Hall":
    h = Hall()
    book1 = ReferralBook.objects.get(code="WIRE_SEA_1")
    book2 = ReferralBook.objects.get(code="WIRE_SEA_2")
    alpha = EmployerFactory(name="Alpha Electric", code="ALPHA")
    beta = EmployerFactory(name="Beta Builders", code="BETA")
    for employer in (alpha, beta):
        EmployerUserFactory(employer=employer)
    EmployerContractFactory(employer=alpha, contract_code="WIREPERSON")
    EmployerContractFactory(employer=alpha, contract_code="S&C")
    EmployerContractFactory(employer=beta, contract_code="WIREPERSON")
    h.employers = {"alpha": alpha, "beta": beta}

    def register(name, book, apn, when=None, **member):
        m = MemberFactory(last_name=name, first_name="Pat", **member)
        h.regs[name] = referral_services.registration_register(
            member_id=m.pk, book_id=book.pk, by=dispatcher, apn=apn, registered_at=when
        )
        return h.regs[name]

    # Three weeks ago: Hill goes out on a short call and is still out.
    with time_machine.travel(at(D(2026, 11, 16), 9), tick=False):
        hill = register("Hill", book1, "46000.07")
        h.requests["hill"] = _request(dispatcher, beta, taken=D(2026, 11, 13), start=D(2026, 11, 16), short_call=True)
        h.dispatches["hill"] = _send(dispatcher, h.requests["hill"], hill)

    register("Adams", book1, "46000.01")
    baker = register("Baker", book1, "46000.02")
    clark = register("Clark", book1, "46000.03")
    davis = register("Davis", book1, "46000.04", when=at(MONDAY - datetime.timedelta(days=28), 9))
    evans = register("Evans", book1, "46000.05")
    register("Green", book1, "46000.06", when=at(MONDAY - datetime.timedelta(days=40), 9))
    irwin = register("Irwin", book1, "46000.08")
    register("Foster", book2, "46001.01")
    register("Jones", book2, "46001.02", is_exempt=True, exempt_reason="medical", exempt_until=D(2027, 1, 31))

    referral_services.registration_check_mark(registration_id=baker.pk, by=dispatcher, reason="Passed request 1")
    referral_services.registration_pass_without_check_mark(
        registration_id=davis.pk, by=dispatcher, no_check_mark_reason="medical", reason="Doctor's note"
    )
    referral_services.registration_exempt_on(
        registration_id=clark.pk, by=dispatcher, exempt_reason="union_business", exempt_until=D(2026, 12, 31)
    )
    referral_services.registration_roll_off(registration_id=evans.pk, by=dispatcher, reason="Left the trade")

    h.requests["adams"] = _request(dispatcher, alpha, taken=FRIDAY, start=MONDAY)
    h.dispatches["adams"] = _send(dispatcher, h.requests["adams"], h.regs["Adams"])
    h.requests["irwin"] = _request(dispatcher, beta, taken=FRIDAY, start=MONDAY, short_call=True)
    h.dispatches["irwin"] = _send(dispatcher, h.requests["irwin"], irwin)
    h.requests["open"] = _request(dispatcher, alpha, taken=FRIDAY, start=MONDAY + datetime.timedelta(days=2), wanted=3)
    for name in ("Baker", "Davis"):
        JobBid.objects.create(job_request=h.requests["open"], member=h.member(name), registration=h.regs[name])
    return h


APN = Decimal
