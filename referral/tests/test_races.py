import pytest

from members.tests.factories import MemberFactory
from referral import services
from referral.models import BookRegistration, ReferralBook
from unioncore.errors import RuleViolation
from unioncore.testing import run_concurrently
from unioncore.tests.factories import StaffFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql_only(
        reason="threads racing on their own connections; SQLite's in-memory test database is one connection, one writer"
    ),
]


def test_ten_sign_ups_at_the_same_moment_get_the_books_next_ten_reg_numbers_in_order():
    book = ReferralBook.objects.get(code="WIRE_SEA_1")
    staff = StaffFactory()
    members = MemberFactory.create_batch(10)
    results = run_concurrently(
        *[lambda m=m: services.registration_register(member_id=m.pk, book_id=book.pk, by=staff) for m in members]
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    rows = list(BookRegistration.objects.order_by("registration_number").values_list("registration_number", "apn"))
    assert [n for n, _ in rows] == list(range(1, 11)), "the book's REG. # counter is taken under the book's lock"
    assert all(apn == services.apn_of(r.registered_at) for r, (_, apn) in zip(
        BookRegistration.objects.order_by("registration_number"), rows, strict=True
    ))  # fmt: skip


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
