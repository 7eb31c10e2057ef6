"""Error codes are one enum per domain (issue 23, item 4; decision 0047): each code in exactly one
enum, with a real HTTP status and the rule it enforces; every raise names a member; the schema's
ErrorCode lists them all."""

import ast
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules

from unioncore.api.errors import ApiError, status_for
from unioncore.errors import CommonError, RuleViolation, error_enums

APPS = ("unioncore", "members", "referral", "dispatch", "fulfillment", "reports")
RULE_IDS = set(re.findall(r"^\| ([A-Z][0-9]+[a-z]?) \|", (Path(settings.BASE_DIR) / "docs/rules.md").read_text(), re.M))


def _enums():
    autodiscover_modules("errors")
    return error_enums()


def test_every_code_is_in_exactly_one_enum():
    owners = {}
    for enum_class in _enums():
        assert len(enum_class.__members__) == len(enum_class), f"{enum_class.__name__} has a code twice"
        for member in enum_class:
            owners.setdefault(member.value, []).append(enum_class.__name__)
    twice = {code: names for code, names in owners.items() if len(names) > 1}
    assert not twice, f"codes in more than one enum: {twice}"
    assert len(owners) > 80, f"only {len(owners)} codes: an app's errors module was not found"


def test_each_code_has_a_real_http_status_and_names_a_rule_that_exists():
    for enum_class in _enums():
        for member in enum_class:
            assert 400 <= HTTPStatus(member.status) < 500 or member is ApiError.ERROR, member
            assert not member.rule or member.rule in RULE_IDS, f"{member!r} names rule {member.rule}, not in rules.md"


def test_a_violation_answers_with_its_codes_status_and_refuses_a_bare_string():
    violation = RuleViolation(CommonError.NOT_FOUND, "No such thing.")
    assert (violation.code, violation.status) == ("not_found", 404)
    assert type(violation.code) is str  # the wire format: a plain string
    assert status_for("idempotency_key_reused") == 422
    assert status_for("already_bid") == 409
    with pytest.raises(TypeError):
        RuleViolation("not_found", "A free string is no code.")


def _calls_with_a_literal_code(source: Path):
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in {"RuleViolation", "error_body"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield f"{source.relative_to(settings.BASE_DIR)}:{node.lineno}"


def test_every_raise_names_a_member_of_an_enum():
    literal = [
        where
        for app in APPS
        for source in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "tests" not in source.parts
        for where in _calls_with_a_literal_code(source)
    ]
    assert not literal, f"codes written as strings: {literal}"


@pytest.mark.django_db
def test_the_schema_error_code_lists_every_member(api):
    schema = api.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    listed = set(schema["components"]["schemas"]["ErrorCode"]["enum"])
    assert listed == {member.value for enum_class in _enums() for member in enum_class}
