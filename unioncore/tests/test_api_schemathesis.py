"""Property-based API tests (issue 7): schemathesis generates requests from the OpenAPI
schema (/api/schema/, drf-spectacular) and calls the app in-process over WSGI; no operation
may answer 5xx, and every documented response must match the schema. Issue 20 raised the
budget (25 examples an operation as a member, 15 as a supervisor) and added stateful runs:
sequences (30, up to 8 steps) that follow the links schemathesis infers between operations (a clock-in's time log
into its events, submit, verify…), each step as the user whose operation it is."""

import datetime

import pytest
import schemathesis
import time_machine
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from dispatch.tests.factories import EmployerFactory, EmployerUserFactory
from fulfillment.services.timelogs import timelog_clock_in
from fulfillment.tests.factories import on_the_job
from members.tests.factories import MemberFactory
from unioncore.api.testing import fresh_throttles  # noqa: F401
from unioncore.models import UserKind
from unioncore.testing import at
from unioncore.tests.factories import UserFactory

MONDAY = datetime.date(2026, 12, 7)
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def world(db, dispatcher, fresh_throttles):  # noqa: F811
    """A member dispatched to an employer (through the real services), clocked in on Monday;
    yields a token of the member and of the site supervisor."""
    with time_machine.travel(at(MONDAY, 7), tick=False):
        employer = EmployerFactory()
        supervisor = EmployerUserFactory(employer=employer, role="supervisor").user
        worker = UserFactory(kind=UserKind.MEMBER, phone="+12065550111")
        dispatch = on_the_job(
            worker=MemberFactory(user=worker), employer=employer, by=dispatcher, day=MONDAY, site_contact=supervisor
        )
        time_log = timelog_clock_in(dispatch_id=dispatch.pk, by=worker, at=at(MONDAY, 7))
    return {
        "users": {"member": worker, "supervisor": supervisor},
        "ids": {
            "/api/v1/timelogs/": time_log.pk,
            "/api/v1/dispatches/": dispatch.pk,
            "/api/v1/jobs/": dispatch.job_request_id,
            "/api/v1/registrations/": dispatch.registration_id,
        },
    }


@pytest.fixture
def wsgi_app(db):
    """The project's WSGI app, minus closing the database connection at the end of each
    request (as Django's test client does): the test's transaction must survive the calls."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from unioncore.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield application
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    application = wsgi_app

    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = schemathesis.pytest.from_fixture("api_schema")


MEMBER_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
SUPERVISOR_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
STATEFUL_SETTINGS = settings(
    max_examples=30, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
)
# The operations a supervisor performs; every other one is called as the member.
SUPERVISOR_OPERATIONS = ("/verify/", "/edit/", "/dispute/", "/acknowledge/", "/check-in/")


def _call(case, world, who):
    """Half of the generated ids are swapped for the world's real object of that path, so the
    operations get past 404; every call gets a fresh token (logout revokes the one it sends)
    and fresh throttle counters (else 429 hides the rest of the run)."""
    cache.clear()
    generated_id = (case.path_parameters or {}).get("id")
    if isinstance(generated_id, int) and generated_id % 2 == 0:
        for prefix, pk in world["ids"].items():
            if case.operation.path.startswith(prefix):
                case.path_parameters["id"] = pk
    _, token = AuthToken.objects.create(world["users"][who])
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


@schema.parametrize()
@MEMBER_SETTINGS
def test_api_conforms_to_its_schema_as_a_member(case, world):
    _call(case, world, "member")


@schema.parametrize()
@SUPERVISOR_SETTINGS
def test_api_conforms_to_its_schema_as_a_supervisor(case, world):
    _call(case, world, "supervisor")


def test_api_sequences_follow_its_links_without_a_server_error(api_schema, world):
    """Stateful: schemathesis chains operations by the links it infers from the schema (84
    today), so the later steps get real ids of objects the earlier ones made or listed."""
    world_users = world["users"]

    class Sequences(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            cache.clear()
            who = "supervisor" if any(op in case.operation.path for op in SUPERVISOR_OPERATIONS) else "member"
            _, token = AuthToken.objects.create(world_users[who])
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS)

    with time_machine.travel(at(MONDAY, 11), tick=True):
        Sequences.run(settings=STATEFUL_SETTINGS)
