"""Fixtures for API tests; a test folder's conftest imports them:
`from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401`."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient


@pytest.fixture
def fresh_throttles():
    """Throttle counters live in Redis (the test database of Redis): start each test at zero."""
    cache.clear()


@pytest.fixture
def api(fresh_throttles) -> APIClient:
    return APIClient()


@pytest.fixture
def api_as(fresh_throttles):
    """api_as(user): a client sending that user's own device token."""

    def _client(user) -> APIClient:
        _, token = AuthToken.objects.create(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return _client


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)
