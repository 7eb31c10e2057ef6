"""The member's home puts first what they act on — offers, the running shift, re-sign due, their
own bids, jobs they may bid on now — and leaves the jobs not taking bids one tap away, on the
jobs page (issue 25, item 4)."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.tests.conftest import MONDAY
from unioncore.testing import at

pytestmark = pytest.mark.django_db

FRIDAY = MONDAY - datetime.timedelta(days=3)
SUNDAY_EVENING = at(MONDAY - datetime.timedelta(days=1), 20)  # Monday's bids: Friday 5:30 PM to Monday 7 AM
CLOSED_JOBS = 27  # the audit's world: 29 jobs on the member's books, 27 of them "Bidding is closed"


def build_member_world(*, book, register, member_user, make_request, dispatcher):
    """The audit's member: on a book with the re-sign due, an offer waiting, a bid placed, one more
    job taking bids and 27 jobs whose bidding closed (requests taken days ago, not started yet).
    Call it with the clock at SUNDAY_EVENING. Returns the requests by role."""
    registration = register(
        book, member=member_user.member, apn="45500.01", when=timezone.now() - datetime.timedelta(days=25)
    )
    closed = []
    for n in range(CLOSED_JOBS):
        taken = at(FRIDAY - datetime.timedelta(days=1 + n % 3), 10)  # referred (and closed) by Friday 7 AM
        closed.append(
            make_request(
                taken_at=taken, start_date=MONDAY + datetime.timedelta(days=2 + n % 5), worksite=f"Site {n + 1}"
            )
        )
    bid_on = make_request(taken_at=at(FRIDAY, 10), worksite="Pier 91")
    biddable = make_request(taken_at=at(FRIDAY, 11), worksite="Terminal 5")
    services.bid_place(job_request_id=bid_on.pk, member_id=member_user.member.pk, by=member_user)
    offer = services.dispatch_offer(job_request_id=closed[0].pk, registration_id=registration.pk, by=dispatcher)
    return {"registration": registration, "closed": closed, "bid_on": bid_on, "biddable": biddable, "offer": offer}


@pytest.fixture
def sunday_evening():
    with time_machine.travel(SUNDAY_EVENING, tick=False):
        yield


@pytest.fixture
def world(sunday_evening, book, register, member_user, make_request, dispatcher):
    return build_member_world(
        book=book, register=register, member_user=member_user, make_request=make_request, dispatcher=dispatcher
    )


def positions(page: str, *markers: str) -> list[int]:
    found = [page.find(marker) for marker in markers]
    assert -1 not in found, dict(zip(markers, found, strict=True))
    return found


def test_the_home_shows_first_what_the_member_acts_on(client, member_user, world):
    client.force_login(member_user)
    page = client.get(reverse("portal:member-home")).content.decode()
    order = positions(
        page,
        'data-testid="home-offers"', 'data-testid="home-re-sign"', 'data-testid="home-bids"',
        'data-testid="home-jobs"', 'data-testid="more-jobs"', 'data-testid="home-books"',
    )  # fmt: skip
    assert order == sorted(order), "offers, re-sign due, my bids, jobs to bid on, then the rest"
    assert f'id="dispatch-{world["offer"].pk}"' in page
    assert "Re-sign on" in page
    bids, jobs = page.split('data-testid="home-bids"')[1].split('data-testid="home-jobs"')
    assert f'id="job-{world["bid_on"].pk}"' in bids
    assert "Withdraw my bid" in bids
    assert f'id="job-{world["biddable"].pk}"' in jobs
    assert "Bid on this job" in jobs
    assert "Bidding is closed" not in page, "the closed jobs are one tap away, not on the home"
    assert f"{CLOSED_JOBS} more jobs on your books" in page


def test_the_jobs_page_lists_the_jobs_not_taking_bids_too(client, member_user, world):
    client.force_login(member_user)
    page = client.get(reverse("portal:member-jobs")).content.decode()
    assert page.count("Bidding is closed") == CLOSED_JOBS
    for job in (world["bid_on"], world["biddable"], *world["closed"]):
        assert f'id="job-{job.pk}"' in page


def test_a_bid_from_the_jobs_page_goes_back_there(client, member_user, world):
    client.force_login(member_user)
    job = world["biddable"]
    response = client.post(reverse("portal:member-bid", args=[job.pk]), {"from": "jobs"})
    assert response.status_code == 302
    assert response.url == reverse("portal:member-jobs") + f"#job-{job.pk}"
    card = client.post(reverse("portal:member-withdraw", args=[job.pk]), {"from": "jobs"}, HTTP_HX_REQUEST="true")
    html = card.content.decode()
    assert f'<h2 id="job-{job.pk}-title">' in html, "the card keeps the jobs page's heading level"
    assert 'name="from" value="jobs"' in html


def test_the_job_page_has_no_heading_jump(client, member_user, world):
    """Its h1, then the card's title as an h2 (it was an h3: axe's heading-order)."""
    client.force_login(member_user)
    job = world["biddable"]
    page = client.get(reverse("portal:member-job", args=[job.pk])).content.decode()
    assert f'<h2 id="job-{job.pk}-title">' in page
    assert "<h3" not in page.split("<main")[1]
    card = client.post(reverse("portal:member-bid", args=[job.pk]), {"from": "job"}, HTTP_HX_REQUEST="true")
    assert f'<h2 id="job-{job.pk}-title">' in card.content.decode(), "and after a bid swapped the card in"


def test_the_running_shift_comes_after_the_offers_and_before_the_re_sign(client, member_user, dispatcher, employer):
    """The member's last day of a one-day call: on the clock since 7, the hall has recorded the
    layoff (their Book 1 place is held until they re-register), and a Tradeshow job for tomorrow is
    offered — the offer first, then the shift they are working, then the re-registration due."""
    from fulfillment.services import timelogs
    from fulfillment.tests.factories import on_the_job
    from referral import services as referral_services
    from referral.models import ReferralBook

    tradeshow = ReferralBook.objects.get(code="TRADE_SEA_3")
    with time_machine.travel(at(FRIDAY, 10), tick=False) as clock:
        on_tradeshow = referral_services.registration_register(
            member_id=member_user.member.pk, book_id=tradeshow.pk, by=dispatcher
        )
        tomorrow = services.job_request_create(
            by=dispatcher, employer_id=employer.pk, book_classification="tradeshow", region="seattle",
            workers_wanted=1, start_date=MONDAY + datetime.timedelta(days=1), report_time=datetime.time(7),
            worksite="Convention Center", wage_rate="58.50", taken_at=at(FRIDAY, 10),
        )  # fmt: skip
        clock.move_to(at(MONDAY, 6))
        call = on_the_job(worker=member_user.member, employer=employer, by=dispatcher, day=MONDAY, worksite="Pier 66")
        clock.move_to(at(MONDAY, 7))
        shift = timelogs.timelog_clock_in(dispatch_id=call.pk, by=member_user)
        clock.move_to(at(MONDAY, 8))
        services.dispatch_end(dispatch_id=call.pk, by=dispatcher, end_reason="laid_off", end_date=MONDAY)
        clock.move_to(at(MONDAY, 10))
        offer = services.dispatch_offer(job_request_id=tomorrow.pk, registration_id=on_tradeshow.pk, by=dispatcher)
        client.force_login(member_user)
        page = client.get(reverse("portal:member-home")).content.decode()
    order = positions(page, 'data-testid="home-offers"', 'data-testid="home-hours"', 'data-testid="home-re-sign"')
    assert order == sorted(order), "offers, then the running shift, then re-sign due"
    offers, hours = page.split('data-testid="home-offers"')[1].split('data-testid="home-hours"')
    assert f'id="dispatch-{offer.pk}"' in offers
    hours, due = hours.split('data-testid="home-re-sign"')
    assert f"Shift at {employer.name}: <strong>{shift.get_status_display()}</strong>" in hours
    assert reverse("portal:member-timelog", args=[shift.pk]) in hours
    assert f'id="book-{call.registration_id}"' in due
    assert "Re-register by the end of" in due
