import datetime

import pytest
import time_machine
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import JobBid
from referral.models import ReferralBook
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 12, 4)  # a request taken Friday 10 AM is referred Monday 8:30
SUNDAY = datetime.date(2026, 12, 6)
MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def bid_request(make_request):
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        return make_request(taken_at=timezone.now())


def test_a_request_on_a_bidding_book_opens_its_window_the_evening_before_referral(bid_request):
    assert timezone.localtime(bid_request.refer_at) == at(MONDAY, 8).replace(minute=30)
    assert timezone.localtime(bid_request.bidding_opens_at) == at(SUNDAY, 17).replace(minute=30)
    assert timezone.localtime(bid_request.bidding_closes_at) == at(MONDAY, 7)


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (at(SUNDAY, 17).replace(minute=29, second=59), False),
        (at(SUNDAY, 17).replace(minute=30), True),
        (at(MONDAY, 6).replace(minute=59, second=59), True),
        (at(MONDAY, 7), False),
    ],
)
def test_bid_window_edges(book, register, bid_request, moment, accepted):
    registration = register(book)
    with time_machine.travel(moment, tick=False):
        if accepted:
            services.bid_place(
                job_request_id=bid_request.pk,
                member_id=registration.member_id,
                by=registration.member.user or bid_request.taken_by,
            )
        else:
            with pytest.raises(RuleViolation) as refused:
                services.bid_place(
                    job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by
                )
            assert refused.value.code == "outside_bid_window"
    assert JobBid.objects.exists() == accepted


def test_a_bid_on_a_book_the_member_is_not_on_is_refused(register, bid_request):
    elsewhere = register(ReferralBook.objects.get(code="WIRE_BRE_1"))
    with time_machine.travel(at(SUNDAY, 20), tick=False), pytest.raises(RuleViolation) as refused:
        services.bid_place(job_request_id=bid_request.pk, member_id=elsewhere.member_id, by=bid_request.taken_by)
    assert refused.value.code == "not_on_book"
    assert not JobBid.objects.exists()


def test_bidders_are_taken_first_in_referral_order(book, register, bid_request):
    first_on_book = register(book, apn="46000.01")
    later_bidder = register(book, apn="46000.03")
    early_bidder = register(book, apn="46000.02")
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        for registration in (later_bidder, early_bidder):
            services.bid_place(job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by)
    order = [c.member_id for c in selectors.referral_order(job_request=bid_request)]
    assert order == [early_bidder.member_id, later_bidder.member_id, first_on_book.member_id]


def test_a_withdrawn_bid_no_longer_counts(book, register, bid_request):
    registration = register(book)
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        services.bid_place(job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by)
        services.bid_withdraw(job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by)
        with pytest.raises(RuleViolation):
            services.bid_withdraw(
                job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by
            )
    assert JobBid.objects.get().status == "withdrawn"
