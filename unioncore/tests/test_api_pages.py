"""A list's pages (unioncore/api/base.py paginated): the page and the count of every row come in
one query; what a person paging through sees is the same as ever, first page to last and past
it. Marked `sqlite`: the window count runs on both databases."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from dispatch.tests.factories import DispatchFactory
from fulfillment.tests.factories import TimeLogFactory
from unioncore.models import UserKind
from unioncore.tests.factories import UserFactory

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db]


@pytest.fixture
def five_days(api_as):
    """A member with five shifts, one a day, and their phone's client; the newest first."""
    worker = UserFactory(kind=UserKind.MEMBER)
    dispatch = DispatchFactory()
    start = timezone.now() - datetime.timedelta(days=10)
    logs = [
        TimeLogFactory(dispatch=dispatch, worker=worker, clock_in_at=start + datetime.timedelta(days=n))
        for n in range(5)
    ]
    return api_as(worker), [log.pk for log in reversed(logs)]


def page(client, number, size=2):
    return client.get("/api/v1/timelogs/", {"page": number, "page_size": size})


def test_paging_through_shows_every_shift_once_newest_first_with_the_count(five_days):
    client, newest_first = five_days
    seen = []
    for number in (1, 2, 3):
        body = page(client, number).json()
        assert body["count"] == 5
        seen += [row["id"] for row in body["results"]]
    assert seen == newest_first
    assert body["next"] is None
    assert "page=2" in body["previous"]


def test_a_page_and_its_count_are_one_query_besides_the_token_and_its_user(five_days):
    client, _ = five_days
    with CaptureQueriesContext(connection) as queries:
        assert page(client, 2).status_code == 200
    sqls = [q["sql"] for q in queries.captured_queries]
    # The token with its user and their employer link, which is also the caller's employer role
    # for each row's `actions` (decision 0042); the page with the count in one query (decision
    # 0046).
    assert len(sqls) == 2, sqls
    assert '"knox_authtoken"' in sqls[0]
    assert '"dispatch_employeruser"' in sqls[0]
    assert 'FROM "fulfillment_timelog"' in sqls[1]
    assert "LIMIT 2 OFFSET 2" in sqls[1]


@pytest.mark.parametrize("number", ["4", "99", "999999999999999999999", "0", "last", "x"])
def test_a_page_past_the_last_or_not_a_page_is_a_404(five_days, number):
    client, _ = five_days
    client.raise_request_exception = False
    if number == "last":  # DRF's name for the last page
        assert [r["id"] for r in page(client, number).json()["results"]] == five_days[1][4:]
        return
    response = page(client, number)
    assert response.status_code == 404, response.content[:300]


def test_no_shifts_is_an_empty_first_page(api_as):
    body = page(api_as(UserFactory(kind=UserKind.MEMBER)), 1).json()
    assert (body["count"], body["results"]) == (0, [])


def test_without_a_token_it_is_a_401(db):
    assert APIClient().get("/api/v1/timelogs/").status_code == 401
