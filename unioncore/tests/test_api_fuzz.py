"""A fuzz of every API operation (issue 20, finding 5): garbage in the auth header, nesting
depth, NaN/Infinity, NUL characters, the calendar's ends (year 1, year 9999), huge numbers — in
the body, in each of its fields (and each field of a sync event), in the query string and the
path. Every answer is below 500, and every 4xx is in the error format. The operations are read
from the OpenAPI schema, so a new endpoint is fuzzed without touching this file."""

import datetime
import uuid

import pytest
import time_machine
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from knox.models import AuthToken
from rest_framework.test import APIClient

from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.services.timelogs import timelog_clock_in
from fulfillment.tests.factories import on_the_job
from members.tests.factories import MemberFactory
from unioncore.api.testing import check_against_schema
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2026, 12, 7)
DEEP = 40  # beyond the parser's 32 levels


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


AUTH_HEADERS = [
    "Token \xe9",
    "Token \xff\xfe\xfd",
    "Token abc\x00def",
    "Token " + "f" * 10_000,
    "Token",
    "Token a b",
    "Token ../../etc/passwd",
    "Bearer abc",
    "\x00",
]
# Values put in turn into each field of a body and each query parameter.
BAD_VALUES = [
    "a\x00b",
    "\x00",
    "NaN",
    "Infinity",
    "-Infinity",
    1e308,
    -1e308,
    2**70,
    -(2**70),
    "99999999999999999999999",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:00:00",
    "0001-01-01",
    "9999-12-31",
    "",
    "x" * 10_000,
    {},
    [],
    True,
    None,
    nested(DEEP),
]
RAW_BODIES = [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b'{"a": "\\u0000"}',
    b'{"\\u0000": 1}',
    b'{"a": "\xe9"}',
    b"\xff\xfe",
    b"null",
    b"[]",
    b"1e999999",
    b'"' + b"x" * 100_000 + b'"',
]
HUGE_ID = "99999999999999999999"
SUPERVISOR_OPERATIONS = ("verify", "edit", "dispute", "acknowledge", "check-in")


@pytest.fixture
def world(dispatcher, fresh_throttles):
    """A member clocked in on Monday at 7:00 on a dispatch to an employer with a supervisor."""
    with time_machine.travel(at(MONDAY, 7), tick=False):
        employer = EmployerFactory()
        supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
        worker = UserFactory(kind=UserKind.MEMBER, username="fuzzed", phone="+12065550177")
        dispatch = on_the_job(
            worker=MemberFactory(user=worker), employer=employer, by=dispatcher, day=MONDAY, site_contact=supervisor
        )
        time_log = timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=at(MONDAY, 7))
    return {
        "member": worker,
        "supervisor": supervisor,
        "ids": {
            "timelogs": time_log.pk,
            "dispatches": dispatch.pk,
            "jobs": dispatch.job_request_id,
            "registrations": dispatch.registration_id,
            "sync/conflicts": time_log.pk,  # no conflict of that id: its input is checked before the 404
        },
        "dispatch": dispatch.pk,
    }


def base_body(path: str, world: dict) -> dict:
    """A body that passes validation, so that each bad field is reached on its own."""
    moment = at(MONDAY, 10).isoformat()
    event = {"client_uuid": str(uuid.uuid4()), "device_time": moment}
    bodies = {
        "/api/v1/auth/login/": {"username": "fuzzed", "password": PASSWORD},
        "/api/v1/sync/": {
            "events": [
                {**event, "type": "break_start", "dispatch": world["dispatch"], "payload": {"lat": 47.6, "lng": -122.3}}
            ]
        },
        "/api/v1/timelogs/{id}/": {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": moment, "break_minutes": 0},
        "/api/v1/timelogs/{id}/acknowledge/": {"method": "app"},
        "/api/v1/timelogs/{id}/dispute/": {"reason": "not on site"},
        "/api/v1/timelogs/{id}/edit/": {"clock_in": at(MONDAY, 7).isoformat(), "clock_out": moment, "note": "n"},
        "/api/v1/timelogs/{id}/events/": {**event, "type": "break_start"},
        "/api/v1/timelogs/{id}/reject/": {"comment": "no"},
        "/api/v1/sync/conflicts/{id}/resolve/": {"accept_worker": False},
        "/api/v1/timelogs/clock-in/": {**event, "dispatch": world["dispatch"], "lat": 47.6, "lng": -122.3},
        "/api/v1/timelogs/retroactive/": {
            "dispatch": world["dispatch"],
            "start": at(MONDAY, 7).isoformat(),
            "end": moment,
            "note": "no signal",
        },
    }
    return bodies.get(path, {})


def operations() -> list[tuple[str, str, list[str]]]:
    schema = SchemaGenerator().get_schema(public=True)
    return [
        (method.upper(), path, [p["name"] for p in op.get("parameters", []) if p["in"] == "query"])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def variants(method: str, path: str, query: list[str], world: dict):
    """(label, path, headers, query string dict, body as JSON value or raw bytes) to send."""
    real = _with_id(path, world)
    for header in AUTH_HEADERS:
        yield "auth header", real, {"HTTP_AUTHORIZATION": header}, {}, base_body(path, world)
    if "{id}" in path:
        for bad_id in (HUGE_ID, "0"):
            yield "path id", path.replace("{id}", bad_id), {}, {}, base_body(path, world)
    for name in query:
        for value in BAD_VALUES:
            if isinstance(value, str | int | float):
                yield f"query {name}", real, {}, {name: str(value)}, None
    if method == "GET":
        return
    for raw in RAW_BODIES:
        yield "raw body", real, {}, {}, raw
    base = base_body(path, world)
    for field in base:
        for value in BAD_VALUES:
            yield f"field {field}", real, {}, {}, {**base_body(path, world), field: value}
    if path == "/api/v1/sync/":
        for field in [*base["events"][0], "timelog"]:
            for value in BAD_VALUES:
                body = base_body(path, world)
                body["events"][0][field] = value
                yield f"event {field}", real, {}, {}, body
        for field in ("lat", "lng", "times"):
            for value in BAD_VALUES:
                body = base_body(path, world)
                body["events"][0]["payload"][field] = value
                yield f"event payload {field}", real, {}, {}, body


def _with_id(path: str, world: dict) -> str:
    for prefix, pk in world["ids"].items():
        if path.startswith(f"/api/v1/{prefix}/"):
            return path.replace("{id}", str(pk))
    return path


def send(client: APIClient, method: str, path: str, headers: dict, query: dict, body):
    if isinstance(body, bytes):
        return client.generic(method, path, body, content_type="application/json", **headers)
    call = getattr(client, method.lower())
    if method == "GET":
        return call(path, query, **headers)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return call(path, body, format="json", **headers)


def test_no_bad_input_to_any_operation_is_a_server_error(world):
    faults, sent = [], 0
    with time_machine.travel(at(MONDAY, 11), tick=False):
        for method, path, query in operations():
            who = "supervisor" if any(f"/{name}/" in path for name in SUPERVISOR_OPERATIONS) else "member"
            for label, url, headers, params, body in variants(method, path, query, world):
                cache.clear()  # throttles would answer 429 before the input is read
                _, token = AuthToken.objects.create(world[who])
                client = APIClient(raise_request_exception=False)
                if "HTTP_AUTHORIZATION" not in headers:  # credentials() would win over a garbage header
                    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
                response = send(client, method, url, headers, params, body)
                sent += 1
                fault = _fault(response)
                if fault:
                    faults.append(f"{method} {path} {label} {str(body)[:80]!r} {params}: {fault}")
    print(f"{sent} requests, {len(faults)} faults")
    assert not faults, f"{len(faults)} of {sent} requests:\n" + "\n".join(faults[:40])


def _fault(response) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}"
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            return f"{response.status_code} not in the error format: {response.content[:120]!r}"
        if not (error.get("code") and error.get("message")):
            return f"{response.status_code} without a code or message"
    try:  # the answer must also be one the schema declares (issue 21): status, body, headers
        check_against_schema(response)
    except Exception as undeclared:  # an AssertionError, or a failure of schemathesis' response check
        return f"{response.status_code} unlike the schema: {str(undeclared)[:200]}"
    return None
