"""The referral desk (issue 22, item 1; decision 0043): the morning sheet in the console."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.enums import DispatchStatus
from dispatch.models import Dispatch, JobRequest
from dispatch.tests.conftest import MONDAY
from dispatch.tests.factories import JobBidFactory
from referral.models import BookRegistration, ReferralBook
from unioncore.testing import at

pytestmark = pytest.mark.django_db

DESK = reverse("admin:dispatch_desk")


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def desk_clock():
    """Monday 8:00, before the 8:30 referral of the requests taken on Friday."""
    with time_machine.travel(at(MONDAY, 8), tick=False) as traveller:
        yield traveller


def build_morning(book, register, make_request, officer):
    """Three requests in two slots: two Inside Wireperson requests at 8:30 (one a short call), a
    Tradeshow request at 9:00; Able, Baker (suspended), Cole and Dunn on Book 1; Dunn bid on the
    first request; Tate on the Tradeshow book. Returns (registrations, requests) by name."""
    officer.email = "bm@local46.example.org"
    officer.save()
    names = {}
    trade = ReferralBook.objects.get(code="TRADE_SEA_1")
    for name, on, apn in (("Able", book, "46000.01"), ("Baker", book, "46000.02"), ("Cole", book, "46000.03"),
                          ("Dunn", book, "46000.04"), ("Tate", trade, "46000.05")):  # fmt: skip
        names[name] = register(on, apn=apn)
        names[name].member.last_name = name
        names[name].member.save()
    names["Baker"].member.status = "suspended"
    names["Baker"].member.save()
    requests = {
        "two": make_request(workers_wanted=2, worksite="Pier 91"),
        "short": make_request(is_short_call=True, expected_days=2, worksite="Boeing Field"),
        "trade": make_request(book_classification="tradeshow", worksite="Convention Center"),
    }
    JobBidFactory(job_request=requests["two"], registration=names["Dunn"])
    return names, requests


@pytest.fixture
def morning(desk_clock, book, register, make_request, officer):
    return build_morning(book, register, make_request, officer)


def card(response, request: JobRequest) -> str:
    page = response.content.decode()
    start = page.index(f'id="request-{request.pk}"')
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start : page.index("</article>", start)]))


def test_the_console_home_links_the_desk(client, dispatcher, desk_clock):
    client.force_login(dispatcher)
    assert DESK in client.get(reverse("admin:index")).content.decode()


def test_the_desk_groups_the_morning_by_slot_with_the_next_names_and_who_was_passed_over(client, dispatcher, morning):
    _names, requests = morning
    client.force_login(dispatcher)
    response = client.get(DESK)
    assert response.status_code == 200
    page = text(response)
    assert page.index("8:30 AM referral — 2 requests") < page.index("9:00 AM referral — 1 request")
    two = card(response, requests["two"])
    assert "0 of 2 filled" in two
    assert "1 bid" in two
    # The bidder first (an internet-bid request), then the list: Baker passed over with the reason.
    assert re.search(r"1 Dunn.*46000\.04 Book 1 next", two)
    assert re.search(r"2 Able.*next", two)
    assert re.search(r"3 Baker.*passed over: Member not in good standing", two)
    assert "Offer to Dunn" in two
    assert "Tate" in card(response, requests["trade"])


def test_one_click_offers_to_the_next_name_and_the_offer_carries_its_run(client, dispatcher, morning):
    names, requests = morning
    client.force_login(dispatcher)
    url = reverse("admin:dispatch_desk_act", args=[requests["short"].pk, "offer"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    offer = Dispatch.objects.get(job_request=requests["short"])
    assert (offer.member_id, offer.status) == (names["Able"].member_id, DispatchStatus.PENDING)
    assert offer.referral_run.job_request_id == requests["short"].pk
    swapped = text(response)
    assert "Offered to Able" in swapped
    assert "Declined (no check mark: short call)" in swapped  # the excuse derived from the request


def test_a_decline_recorded_on_the_desk_takes_the_requests_excuse(client, dispatcher, morning):
    names, requests = morning
    client.force_login(dispatcher)
    client.post(reverse("admin:dispatch_desk_act", args=[requests["short"].pk, "offer"]))
    offer = Dispatch.objects.get(job_request=requests["short"])
    response = client.post(reverse("admin:dispatch_desk_decline", args=[offer.pk]), follow=True)
    assert response.status_code == 200
    assert "Decline recorded for Able" in text(response)
    assert "no check mark: short call." in text(response)
    offer.refresh_from_db()
    assert offer.status == DispatchStatus.DECLINED
    assert BookRegistration.objects.get(pk=names["Able"].pk).check_marks == 0
    assert "Offer to Cole" in card(response, requests["short"])  # Able was offered it: Cole is next


def test_a_decline_without_an_excuse_costs_the_check_mark_the_desk_said(client, dispatcher, morning):
    names, requests = morning
    client.force_login(dispatcher)
    client.post(reverse("admin:dispatch_desk_act", args=[requests["trade"].pk, "offer"]))
    offer = Dispatch.objects.get(job_request=requests["trade"])
    assert "Declined (a check mark)" in card(client.get(DESK), requests["trade"])
    client.post(reverse("admin:dispatch_desk_decline", args=[offer.pk]))
    assert BookRegistration.objects.get(pk=names["Tate"].pk).check_marks == 1


def test_dispatching_the_bidder_and_marking_unfilled_sends_it_to_the_business_manager(
    client, dispatcher, morning, django_capture_on_commit_callbacks
):
    names, requests = morning
    client.force_login(dispatcher)
    response = client.post(reverse("admin:dispatch_desk_act", args=[requests["two"].pk, "bids"]), follow=True)
    assert "Bids taken: offered to Dunn" in text(response)
    assert Dispatch.objects.get(job_request=requests["two"]).bid.member_id == names["Dunn"].member_id
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:dispatch_desk_act", args=[requests["two"].pk, "unfilled"]))
    assert requests["two"].pk in [r.pk for r in _queue()]
    assert [m.to for m in mail.outbox] == [["bm@local46.example.org"]]
    assert f"#{requests['two'].pk}" in mail.outbox[0].subject
    page = card(client.get(DESK), requests["two"])
    assert "with the Business Manager" in page
    assert "Mark unfilled" not in page


def _queue():
    from django.utils import timezone

    from dispatch import selectors

    return selectors.unfilled_after_referral(now=timezone.now())


def test_a_refusal_shows_on_the_card_and_writes_nothing(client, dispatcher, morning):
    _names, requests = morning
    client.force_login(dispatcher)
    url = reverse("admin:dispatch_desk_act", args=[requests["trade"].pk, "offer"])
    client.post(url)
    response = client.post(url, HTTP_HX_REQUEST="true")  # Tate has the offer: nobody else on the book
    assert response.status_code == 200
    assert "Nobody on the list can take request" in text(response)
    assert Dispatch.objects.filter(job_request=requests["trade"]).count() == 1


def test_a_member_or_a_viewer_cannot_act_on_the_desk(client, morning, member_user):
    _names, requests = morning
    client.force_login(member_user)
    response = client.post(reverse("admin:dispatch_desk_act", args=[requests["two"].pk, "offer"]))
    assert response.status_code in (302, 403)
    assert not Dispatch.objects.exists()


def test_the_desk_reads_a_fixed_number_of_queries_however_many_requests(
    client, dispatcher, desk_clock, book, register, make_request
):
    for n in range(6):
        register(book, apn=f"46100.0{n}")
    JobBidFactory(job_request=make_request(), registration=book.registrations.first())
    client.force_login(dispatcher)
    client.get(DESK)  # warm the session and the content types

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(DESK).status_code == 200
        return len(queries)

    few = count()
    for _ in range(9):
        make_request(workers_wanted=2, is_short_call=True, expected_days=2)
    JobBidFactory(job_request=JobRequest.objects.first(), registration=book.registrations.last())
    assert JobRequest.objects.count() == 10
    assert count() == few


def test_the_desk_shows_tomorrows_requests_too(client, dispatcher, desk_clock, book, register, make_request):
    register(book)
    tomorrow = make_request(taken_at=at(MONDAY, 10), start_date=MONDAY + datetime.timedelta(days=2))
    client.force_login(dispatcher)
    page = text(client.get(DESK))
    assert "Tomorrow, Tuesday, December 8" in page
    assert f"#{tomorrow.pk}" in page


def test_the_requests_page_runs_the_referral_and_offers_and_comes_back(client, dispatcher, morning):
    names, requests = morning
    client.force_login(dispatcher)
    page_url = reverse("admin:dispatch_jobrequest_change", args=[requests["trade"].pk])
    page = client.get(page_url).content.decode()
    assert "Run referral" in page
    assert "Offer to the next" in page
    response = client.post(reverse("admin:dispatch_desk_act", args=[requests["trade"].pk, "run"]), {"next": page_url})
    assert response.url == page_url
    assert requests["trade"].referral_runs.count() == 1
    response = client.post(
        reverse("admin:dispatch_desk_act", args=[requests["trade"].pk, "offer"]), {"next": page_url}, follow=True
    )
    assert "Offered to Tate" in text(response)
    assert Dispatch.objects.get(job_request=requests["trade"]).member_id == names["Tate"].member_id
