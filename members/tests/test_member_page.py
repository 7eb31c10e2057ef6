"""The member's page in the console (issue 22, item 3): books with their place, dispatches and
bids beside the dues ledger; the search finds a member as the console prints one."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.tests.factories import EmployerFactory, JobBidFactory, JobRequestFactory
from members.tests.factories import MemberFactory, MemberTransactionFactory
from unioncore.testing import at

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)


@pytest.fixture
def clock():
    with time_machine.travel(at(MONDAY, 9), tick=False):
        yield


def _page(client, user, member) -> str:
    client.force_login(user)
    response = client.get(reverse("admin:members_member_change", args=[member.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _table(page: str, testid: str) -> str:
    start = page.index(f'data-testid="{testid}"')
    return page[start : page.index("</table>", start)]


def test_the_member_page_shows_each_book_with_its_place_re_sign_date_and_marks(
    clock, client, dispatcher, book, register
):
    register(book, when=at(MONDAY - datetime.timedelta(days=20), 8), apn="45500.01")  # ahead on the book
    member = MemberFactory(last_name="Haugen")
    register(book, member=member, when=at(MONDAY - datetime.timedelta(days=10), 8), apn="45600.01")
    MemberTransactionFactory(member=member)

    page = _page(client, dispatcher, member)
    books = _table(page, "member-registrations")
    assert book.name in books
    assert "45600.01" in books
    assert "<td>2</td>" in books, "second on the book, behind the member registered earlier"
    assert f"0 of {book.check_marks_allowed}" in books
    assert "Registered (out of work)" in books
    assert "Balance owed" in page, "the dues ledger stays on the page"
    every = client.get(reverse("admin:referral_bookregistration_changelist"), {"member__id__exact": member.pk})
    assert every.status_code == 200
    assert "1 book registration" in every.content.decode()


def test_the_member_page_shows_dispatches_and_bids(clock, client, dispatcher, book, register, system_user):
    member = MemberFactory()
    registration = register(book, member=member, when=at(MONDAY - datetime.timedelta(days=10), 8))
    employer = EmployerFactory(name="Northwind Electric")
    request = JobRequestFactory(employer=employer, worksite="Boeing Field")
    run = dispatch_services.referral_run(job_request_id=request.pk, by=dispatcher)
    dispatch = dispatch_services.dispatch_offer(
        job_request_id=request.pk, registration_id=registration.pk, by=dispatcher, run=run
    )
    dispatch_services.dispatch_accept(dispatch_id=dispatch.pk, by=dispatcher)
    bid_on = JobRequestFactory(employer=EmployerFactory(name="Puget Power"), worksite="Renton substation")
    JobBidFactory(job_request=bid_on, member=member, registration=registration)

    page = _page(client, dispatcher, member)
    dispatches = _table(page, "member-dispatches")
    assert "Northwind Electric" in dispatches
    assert "Boeing Field" in dispatches
    assert "Accepted (on the job)" in dispatches
    assert reverse("admin:dispatch_dispatch_change", args=[dispatch.pk]) in dispatches
    bids = _table(page, "member-bids")
    assert "Puget Power" in bids
    assert "Renton substation" in bids
    assert "Dispatched" in _table(page, "member-registrations"), "the registration went with the job"


def test_a_member_on_no_book_is_said_so(client, dispatcher):
    page = _page(client, dispatcher, MemberFactory())
    assert "Not on any book." in page
    assert "No dispatches." in page
    assert "No online bids." in page


@pytest.mark.parametrize("query", ["Haugen, Rosa", "Haugen Rosa", "haugen, ro", "Haugen, Rosa (0004521)", "0004521"])
def test_the_search_finds_a_member_as_the_console_prints_one(client, dispatcher, query):
    MemberFactory(card_number="0004521", last_name="Haugen", first_name="Rosa")
    MemberFactory(card_number="0004522", last_name="Haugen", first_name="Lars")
    MemberFactory(card_number="0009999", last_name="Rosa", first_name="Maria")
    client.force_login(dispatcher)
    page = client.get(reverse("admin:members_member_changelist"), {"q": query}).content.decode()
    assert "0004521" in page, query
    assert "0004522" not in page, query
    assert "0009999" not in page, query
