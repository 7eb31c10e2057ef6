from decimal import Decimal

import pytest

from members.tests.factories import MemberFactory
from referral import services
from referral.models import BookRegistration, ReferralBook
from unioncore.errors import RuleViolation
from unioncore.testing import run_concurrently
from unioncore.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_ten_sign_ups_at_the_same_moment_get_ten_apns_in_order():
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    staff = StaffFactory()
    members = MemberFactory.create_batch(10)
    results = run_concurrently(
        *[lambda m=m: services.registration_register(member_id=m.pk, book_id=book.pk, by=staff) for m in members]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    fractions = sorted(BookRegistration.objects.values_list("apn", flat=True))
    assert len(set(fractions)) == 10, f"{10 - len(set(fractions))} duplicate APNs"
    assert [a - int(a) for a in fractions] == [Decimal(n) / 100 for n in range(1, 11)]


def test_one_member_signing_twice_at_once_is_registered_once():
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    staff = StaffFactory()
    member = MemberFactory()
    results = run_concurrently(
        *[lambda: services.registration_register(member_id=member.pk, book_id=book.pk, by=staff)] * 5
    )
    refused = [r for r in results if isinstance(r, RuleViolation)]
    assert len(refused) == 4, results
    assert {r.code for r in refused} == {"already_registered"}
    assert BookRegistration.objects.filter(member=member).count() == 1
