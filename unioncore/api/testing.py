"""Fixtures for API tests; a test folder's conftest imports them:
`from unioncore.api.testing import api, api_as, fresh_throttles  # noqa: F401`."""

import functools

import pytest
import requests
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient
from schemathesis.core.transport import Response


@functools.cache
def served_schema():
    """The OpenAPI schema as `/api/schema/` serves it, loaded by schemathesis once per run."""
    import schemathesis
    from drf_spectacular.generators import SchemaGenerator

    return schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def check_against_schema(response) -> None:
    """A test client's answer from the API, held to the schema (issue 21): its status must be
    declared for the operation, its body and headers must match what is declared for it."""
    environ = response.request
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if not path.startswith("/api/v1/"):
        return
    operation = served_schema().find_operation_by_path(method.lower(), path)
    if operation is None:  # no such path (a 404 of the URL resolver), or a method it lacks
        assert response.status_code in (404, 405), f"{method} {path}: {response.status_code}"
        return
    declared = operation.responses.find_by_status_code(response.status_code)
    assert declared is not None, f"{method} {path} answered {response.status_code}, not declared in the schema"
    answer = Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.items()},
        content=response.content,
        request=requests.Request(method, f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=False,
    )
    operation.validate_response(answer)


class SchemaCheckedClient(APIClient):
    """DRF's test client whose every API answer is checked against the served schema."""

    def request(self, **kwargs):
        response = super().request(**kwargs)
        check_against_schema(response)
        return response


@pytest.fixture
def fresh_throttles():
    """Throttle counters live in Redis (the test database of Redis): start each test at zero."""
    cache.clear()


@pytest.fixture
def api(fresh_throttles) -> APIClient:
    return SchemaCheckedClient()


@pytest.fixture
def api_as(fresh_throttles):
    """api_as(user): a client sending that user's own device token."""

    def _client(user) -> APIClient:
        _, token = AuthToken.objects.create(user)
        client = SchemaCheckedClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return _client


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)
