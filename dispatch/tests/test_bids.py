import datetime

import pytest
import time_machine
from django.utils import timezone

from dispatch import selectors, services
from dispatch.models import Dispatch, JobBid, ReferralSuspension
from referral import services as referral_services
from referral.enums import RollOffReason
from referral.models import (
    BookRegistration,
    ReferralBook,
)
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

FRIDAY = datetime.date(2026, 12, 4)  # a request taken Friday 10 AM is referred Monday 8:30
SUNDAY = datetime.date(2026, 12, 6)
MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def bid_request(make_request):
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        return make_request(taken_at=timezone.now())


def test_a_request_opens_its_window_the_last_working_evening_before_referral_so_all_weekend(bid_request):
    assert timezone.localtime(bid_request.refer_at) == at(MONDAY, 8).replace(minute=30)
    assert timezone.localtime(bid_request.bidding_opens_at) == at(FRIDAY, 17).replace(minute=30)
    assert timezone.localtime(bid_request.bidding_closes_at) == at(MONDAY, 7)


def test_on_a_weekday_the_window_opens_that_evening(make_request):
    tuesday = datetime.date(2026, 12, 8)
    with time_machine.travel(at(tuesday, 10), tick=False):
        request = make_request(taken_at=timezone.now(), start_date=tuesday + datetime.timedelta(days=2))
    assert timezone.localtime(request.bidding_opens_at) == at(tuesday, 17).replace(minute=30)
    assert timezone.localtime(request.bidding_closes_at) == at(tuesday + datetime.timedelta(days=1), 7)


def test_over_a_holiday_weekend_the_window_stays_open_through_the_holidays(make_request):
    before_thanksgiving = datetime.date(2026, 11, 25)  # Thursday and Friday are the hall's holidays
    with time_machine.travel(at(before_thanksgiving, 10), tick=False):
        request = make_request(taken_at=timezone.now(), start_date=datetime.date(2026, 12, 1))
    assert timezone.localtime(request.refer_at).date() == datetime.date(2026, 11, 30)
    assert timezone.localtime(request.bidding_opens_at) == at(before_thanksgiving, 17).replace(minute=30)


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (at(FRIDAY, 17).replace(minute=29, second=59), False),
        (at(FRIDAY, 17).replace(minute=30), True),
        (at(datetime.date(2026, 12, 5), 12), True),  # Saturday noon: open all day on the weekend
        (at(SUNDAY, 9), True),
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


def bid_and_take(book, register, make_request, registration=None, weeks_later=0):
    """A request taken Friday, a bid on Sunday evening, bids taken Monday at 8:30."""
    shift = datetime.timedelta(weeks=weeks_later)
    with time_machine.travel(at(FRIDAY + shift, 10), tick=False):
        request = make_request(taken_at=timezone.now(), start_date=MONDAY + shift + datetime.timedelta(days=1))
    registration = registration or register(book)
    with time_machine.travel(at(SUNDAY + shift, 20), tick=False):
        services.bid_place(job_request_id=request.pk, member_id=registration.member_id, by=request.taken_by)
    with time_machine.travel(at(MONDAY + shift, 8).replace(minute=30), tick=False):
        services.bids_take(job_request_id=request.pk, by=request.taken_by)
    return request, registration


def test_at_referral_time_the_bidders_in_order_are_dispatched_and_the_rest_expire(book, register, bid_request):
    winner = register(book, apn="46000.01")
    loser = register(book, apn="46000.02")
    with time_machine.travel(at(SUNDAY, 20), tick=False):
        for registration in (loser, winner):
            services.bid_place(job_request_id=bid_request.pk, member_id=registration.member_id, by=bid_request.taken_by)
    with time_machine.travel(at(MONDAY, 8).replace(minute=30), tick=False):
        services.bids_take(job_request_id=bid_request.pk, by=bid_request.taken_by)
    assert dict(JobBid.objects.values_list("member_id", "status")) == {
        winner.member_id: "accepted", loser.member_id: "expired",
    }  # fmt: skip
    dispatch = Dispatch.objects.get()
    assert (dispatch.member_id, dispatch.status, dispatch.bid.member_id) == (
        winner.member_id,
        "pending",
        winner.member_id,
    )


def test_a_bidder_who_rejects_the_job_is_treated_as_a_quit_and_twice_loses_bidding(book, register, make_request):
    _, registration = bid_and_take(book, register, make_request)
    with time_machine.travel(at(MONDAY, 9), tick=False):
        first = Dispatch.objects.get(member=registration.member)
        services.dispatch_decline(dispatch_id=first.pk, by=first.created_by)
    assert BookRegistration.objects.get(pk=registration.pk).roll_off_reason == RollOffReason.QUIT
    assert not ReferralSuspension.objects.exists()
    # Back on the book, bids again the next week, and rejects again.
    with time_machine.travel(at(MONDAY, 10), tick=False):
        again = referral_services.registration_register(
            member_id=registration.member_id, book_id=book.pk, by=first.created_by
        )
    bid_and_take(book, register, make_request, registration=again, weeks_later=1)
    with time_machine.travel(at(MONDAY + datetime.timedelta(weeks=1), 9), tick=False):
        second = Dispatch.objects.filter(member=registration.member).latest("id")
        services.dispatch_decline(dispatch_id=second.pk, by=second.created_by)
        suspension = ReferralSuspension.objects.get(member=registration.member)
        assert suspension.kind == "bidding"
        assert suspension.ends_at > timezone.now() + datetime.timedelta(days=364)


def test_a_member_learns_why_they_were_or_were_not_referred(book, register, make_request, employer):
    from dispatch.models import EmployerBar

    barred = register(book, apn="46000.01")
    EmployerBar.objects.create(employer=employer, member=barred.member, reason="safety")
    referred = register(book, apn="46000.02")
    not_reached = register(book, apn="46000.03")
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        request = make_request(taken_at=timezone.now())
    assert selectors.referral_explanation(member_id=referred.member_id, job_request=request) is None
    with time_machine.travel(at(MONDAY, 8).replace(minute=30), tick=False):
        services.referral_run(job_request_id=request.pk, by=request.taken_by)
    explain = {
        r: selectors.referral_explanation(member_id=r.member_id, job_request=request)
        for r in (barred, referred, not_reached)
    }
    assert explain[referred].referred is True
    assert explain[barred].reason == "Passed over: Barred from this employer."
    assert explain[not_reached].reason.startswith("Not reached")
