"""The phone API as a contract (issue 21, decision 0041): the served schema names each operation,
describes it and declares every status it can answer, so a generated client never gets `None`."""

import re

import pytest
from django.urls import reverse

from unioncore.api.base import ApiView
from unioncore.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    response = api.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _error_ref(response) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_has_a_unique_camel_case_id_and_its_own_description(schema):
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids)) > 20
    assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z][a-z]+)*", i)] == []
    assert {"listTimelogs", "verifyTimelog", "clockIn", "syncEvents", "listMyRegistrations"} <= set(ids)
    base = ApiView.__doc__.strip()
    undescribed = [
        f"{method} {path}"
        for path, method, operation in _operations(schema)
        if not operation.get("description") or base in operation["description"]
    ]
    assert undescribed == []


def test_every_operation_declares_the_statuses_the_stack_answers_around_it(schema):
    missing = []
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"405"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{id}" in path:
            expected.add("404")
        if method != "get":
            expected |= {"400", "429"}
        missing += [f"{method} {path} {status}" for status in sorted(expected - responses.keys())]
        for status, response in responses.items():
            if status >= "400":  # the one error envelope (a 422 or 409 of sync adds its results)
                component = schema["components"]["schemas"][_error_ref(response).rsplit("/", 1)[1]]
                error = component["properties"]["error"]
                assert error["allOf"] == [{"$ref": "#/components/schemas/ErrorBody"}], (path, status)
                assert response["description"], (method, path, status)
        if "429" in responses:
            assert responses["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert missing == []
    # The login answers 429 (its own throttle) but needs no token: no 401 promised there.
    login = schema["paths"]["/api/v1/auth/login/"]["post"]["responses"]
    assert "429" in login
    assert "401" not in login


def test_a_list_declares_its_page_parameters_and_the_404_of_a_page_past_the_last(schema):
    for path in ("/api/v1/timelogs/", "/api/v1/me/registrations/", "/api/v1/jobs/", "/api/v1/me/dispatches/"):
        operation = schema["paths"][path]["get"]
        assert {"page", "page_size"} <= {p["name"] for p in operation["parameters"]}, path
        assert "404" in operation["responses"], path


def test_the_error_code_is_an_enum_of_the_codes_in_use(schema):
    components = schema["components"]["schemas"]
    assert components["ErrorBody"]["properties"]["code"]["allOf"] == [{"$ref": "#/components/schemas/ErrorCode"}]
    codes = set(components["ErrorCode"]["enum"])
    # The error handler's own, and rules raised deep in the services (every enum: test_error_codes).
    assert {"invalid", "not_authenticated", "throttled", "method_not_allowed", "parse_error"} <= codes
    assert {"overlaps_waiting", "outside_re_sign_window", "device_time_in_future", "invalid_event"} <= codes


def test_the_declared_404_and_405_are_what_a_phone_gets(api_as):
    client = api_as(UserFactory())
    past_the_last = client.get("/api/v1/timelogs/?page=9")
    assert past_the_last.status_code == 404
    assert past_the_last.json()["error"]["code"] == "not_found"
    wrong_method = client.delete("/api/v1/timelogs/")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def _reachable(schema, *roots):
    """The components reachable from these schema fragments (by `$ref`), with their names."""
    components, seen, todo = schema["components"]["schemas"], {}, list(roots)
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref and ref.rsplit("/", 1)[1] not in seen:
                name = ref.rsplit("/", 1)[1]
                seen[name] = components[name]
                todo.append(components[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return seen


def _free_form(name, component):
    """An object a generated client can only make a dict of: no properties, or open ones."""
    if component.get("type") != "object":
        return []
    faults = [f"{name}: no properties"] if not component.get("properties") else []
    for prop, spec in component.get("properties", {}).items():
        if spec.get("type") == "object" and "properties" not in spec:
            faults.append(f"{name}.{prop}")
        if spec.get("type") == "array" and spec["items"].get("type") == "object" and "properties" not in spec["items"]:
            faults.append(f"{name}.{prop}[]")
    return faults


def test_offline_sync_is_typed_end_to_end(schema):
    from fulfillment.services.sync import EVENT_TYPES

    operation = schema["paths"]["/api/v1/sync/"]["post"]
    components = schema["components"]["schemas"]
    reachable = _reachable(schema, operation["requestBody"], operation["responses"])
    faults = [fault for name, component in reachable.items() for fault in _free_form(name, component)]
    # `Error.fields` is the one open object: field → message, nesting like the input.
    assert [f for f in faults if not f.startswith("ErrorBody.fields")] == []

    event = components["SyncEventRequest"]
    assert event["discriminator"]["propertyName"] == "type"
    assert set(event["discriminator"]["mapping"]) == set(EVENT_TYPES)
    assert "clock_in" in EVENT_TYPES
    result = components["SyncResult"]
    assert set(result["discriminator"]["mapping"]) == {"synced", "duplicate", "conflict", "failed"}
    assert components["SyncDuplicate"]["properties"]["first_result"]["allOf"] == [
        {"$ref": "#/components/schemas/SyncFirstResult"}
    ]

    refused = operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
    assert refused.endswith("/SyncRefused")
    assert components["SyncRefused"]["properties"]["results"]["items"] == {"$ref": "#/components/schemas/SyncResult"}
    conflict = schema["paths"]["/api/v1/timelogs/{id}/events/"]["post"]["responses"]["409"]
    assert conflict["content"]["application/json"]["schema"]["$ref"].endswith("/ConflictError")
    assert "conflict" in components["ConflictError"]["properties"]


def test_the_replayed_header_is_declared_where_a_replay_answers(schema):
    for path in ("/api/v1/timelogs/clock-in/", "/api/v1/timelogs/{id}/events/", "/api/v1/timelogs/retroactive/"):
        responses = schema["paths"][path]["post"]["responses"]
        success = next(status for status in responses if status < "300")
        assert responses[success]["headers"]["Idempotent-Replayed"]["schema"]["enum"] == ["true"], path


def _answer(path, method, body, status):
    from django.http import JsonResponse

    response = JsonResponse(body, status=status)
    response.request = {"PATH_INFO": path, "REQUEST_METHOD": method}
    return response


def test_every_api_test_answer_is_held_to_the_schema():
    """The API tests' client (`api`, `api_as`) checks each answer: an undeclared status, or a
    body unlike the declared one, fails the test that got it."""
    from schemathesis.core.failures import Failure, FailureGroup

    from unioncore.api.testing import check_against_schema

    broken = (Failure, FailureGroup)  # one failure, or several

    check_against_schema(_answer("/api/v1/me/", "GET", {"error": {"code": "not_found", "message": "x"}}, 405))
    with pytest.raises(AssertionError, match="answered 409, not declared"):
        check_against_schema(_answer("/api/v1/me/", "GET", {"error": {"code": "wrong_status", "message": "x"}}, 409))
    with pytest.raises(broken):
        check_against_schema(_answer("/api/v1/me/", "GET", {"id": "not a number"}, 200))
    with pytest.raises(broken):  # a code outside the enum
        check_against_schema(_answer("/api/v1/me/", "GET", {"error": {"code": "oops", "message": "x"}}, 401))
    sync_result = {"client_uuid": "0b9c6d7e-51b4-4c0e-9a55-2f0e4b7d1a01", "status": "synced", "time_log": None}
    with pytest.raises(broken):  # a synced event always names its time log
        check_against_schema(_answer("/api/v1/sync/", "POST", {"results": [sync_result]}, 200))


def test_a_time_log_s_times_are_one_typed_component(schema):
    components = schema["components"]["schemas"]
    output = components["TimeLogOutput"]["properties"]
    for name in ("worker_times", "supervisor_times", "final_times"):
        assert output[name]["allOf"] == [{"$ref": "#/components/schemas/TimesOutput"}], name
        assert output[name]["nullable"] is True
        assert output[name]["description"]
    times = components["TimesOutput"]["properties"]
    assert set(times) == {"clock_in", "clock_out", "break_minutes", "lunch_minutes", "billable_minutes"}
    assert "offset" in times["clock_in"]["description"]


def test_every_field_of_the_schema_says_what_it_is(schema):
    """A generated client's models carry the descriptions as docstrings: a field without one is
    a field the app team has to guess (issue 21 counted 133 of 140). `help_text` on the field."""
    undescribed = [
        f"{name}.{field}"
        for name, component in schema["components"]["schemas"].items()
        for field, spec in component.get("properties", {}).items()
        if not spec.get("description", "").strip()
    ]
    assert undescribed == []
