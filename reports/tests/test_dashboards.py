"""The staff dashboards in the portal: who may see them, and that their figures are right."""

import datetime
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import Dispatch
from dispatch.tests.factories import DispatchFactory, EmployerFactory
from fulfillment.tests.factories import TimeLogFactory
from referral.models import ReferralBook
from referral.tests.factories import BookRegistrationFactory
from reports.portal import selectors
from unioncore.audit import system_user
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/portal/staff/"
TODAY = datetime.date(2026, 12, 9)
H = datetime.timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(at(TODAY, 10), tick=False) as traveller:
        yield traveller


def test_the_url_is_the_staff_dashboard():
    assert reverse("portal:staff-dashboard") == URL


def test_anonymous_goes_to_the_portal_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    assert "next=/portal/staff/" in response["Location"]


@pytest.mark.parametrize("kind", [UserKind.MEMBER, UserKind.EMPLOYER])
def test_members_and_employer_users_are_refused(client, kind):
    client.force_login(UserFactory(kind=kind))
    assert client.get(URL).status_code == 403


def test_staff_see_the_three_tables_and_their_charts(client, clock):
    client.force_login(StaffFactory())
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for testid in ('data-testid="books"', 'data-testid="days"'):
        assert testid in page
    assert "No time log is waiting." in page
    assert page.count("<canvas data-chart=") == 2  # no waiting chart without waiting time logs
    assert "portal/vendor/chart.umd.min.js" in page
    assert 'id="chart-data"' in page


def test_out_of_work_counts_by_book_count_only_registered_members(client, clock):
    wire = ReferralBook.objects.get(code="WIRE_SEA_1")
    before = {row.book.code: row.out_of_work for row in selectors.out_of_work_by_book()}
    offer = DispatchFactory(registration=BookRegistrationFactory(book=wire))  # first on the book: offered in order
    BookRegistrationFactory.create_batch(3, book=wire)
    dispatch_services.dispatch_accept(dispatch_id=offer.pk, by=system_user())  # off the book
    counts = {row.book.code: row.out_of_work for row in selectors.out_of_work_by_book()}
    assert counts["WIRE_SEA_1"] == before["WIRE_SEA_1"] + 3
    assert len(counts) == ReferralBook.objects.filter(is_active=True).count(), "empty books are listed too"
    client.force_login(StaffFactory())
    charts = json.loads(_chart_data(client.get(URL).content.decode()))
    index = charts["books"]["labels"].index("WIRE_SEA_1")
    assert charts["books"]["series"][0]["data"][index] == counts["WIRE_SEA_1"]


def _chart_data(page: str) -> str:
    start = page.index('id="chart-data"')
    start = page.index(">", start) + 1
    return page[start : page.index("</script>", start)]


def test_dispatches_per_day_cover_thirty_local_days_with_zeros(clock):
    offers = DispatchFactory.create_batch(3)
    # Two at 23:30 on the 7th, hall time (07:30 UTC on the 8th), one 40 days ago (out of range).
    Dispatch.objects.filter(pk__in=[offers[0].pk, offers[1].pk]).update(
        offered_at=at(TODAY - datetime.timedelta(days=2), 23).replace(minute=30)
    )
    Dispatch.objects.filter(pk=offers[2].pk).update(offered_at=at(TODAY - datetime.timedelta(days=40), 9))
    days = selectors.dispatches_per_day(days=30, today=TODAY)
    assert len(days) == 30
    assert days[0][0] == TODAY - datetime.timedelta(days=29)
    assert days[-1][0] == TODAY
    by_day = dict(days)
    assert by_day[datetime.date(2026, 12, 7)] == 2, "counted on the hall's date, not UTC's"
    assert by_day[datetime.date(2026, 12, 8)] == 0
    assert sum(by_day.values()) == 2


def test_time_logs_waiting_by_employer_and_deadline(client, clock):
    now = timezone.now()
    slow, quick = EmployerFactory(name="Slow Electric"), EmployerFactory(name="Quick Electric")
    for offset in (-H / 2, H / 2, 3.5 * H):
        TimeLogFactory(dispatch__job_request__employer=slow, auto_approval_time=now + offset)
    TimeLogFactory(dispatch__job_request__employer=quick, auto_approval_time=now + 2.5 * H,
                   status="pending_worker_review")  # fmt: skip
    TimeLogFactory(dispatch__job_request__employer=quick, status="verified", auto_approval_time=now - H)
    rows = {row.employer: row for row in selectors.timelogs_waiting_by_employer(now=now)}
    assert set(rows) == {"Slow Electric", "Quick Electric"}
    assert rows["Slow Electric"].waiting == 3
    assert rows["Slow Electric"].on_supervisor == 3
    assert rows["Slow Electric"].buckets == {"due": 1, "h1": 1, "h2": 0, "h3": 0, "h4": 1}
    assert rows["Quick Electric"].waiting == 1
    assert rows["Quick Electric"].on_worker == 1
    assert rows["Quick Electric"].buckets["h3"] == 1
    ordered = [row.employer for row in selectors.timelogs_waiting_by_employer(now=now)]
    assert ordered == ["Slow Electric", "Quick Electric"], "the most urgent employer first"
    client.force_login(StaffFactory())
    page = client.get(URL).content.decode()
    assert page.index("Slow Electric") < page.index("Quick Electric")
    assert '<td class="n hot">1</td>' in page


def test_the_dashboards_cost_a_fixed_number_of_queries(client, clock):
    client.force_login(StaffFactory())
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for _ in range(3):
        TimeLogFactory(dispatch__job_request__employer=EmployerFactory())
    BookRegistrationFactory.create_batch(3)
    with CaptureQueriesContext(connection) as more:
        client.get(URL)
    assert len(more) == len(few), f"{len(few)} queries, then {len(more)} with more rows"


def test_the_hall_console_links_to_the_dashboards(client):
    client.force_login(StaffFactory())
    page = client.get(reverse("admin:index")).content.decode()
    assert f'href="{URL}"' in page
