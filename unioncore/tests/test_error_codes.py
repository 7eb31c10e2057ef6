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
RULE_ID = re.compile(r"[A-Z]{1,3}[0-9]+[a-z]?")  # R1, P3a, LP4, WC8


def rule_ids(text: str) -> list[str]:
    """The first cell of every table row of docs/rules.md (headers and rulers left out), in order."""
    cells = re.findall(r"^\|([^|\n]*)\|", text, re.M)
    return [cell.strip() for cell in cells if cell.strip() not in {"#", ""} and set(cell.strip()) != {"-"}]


RULE_IDS = set(rule_ids((Path(settings.BASE_DIR) / "docs/rules.md").read_text()))


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


def rule_id_problems(ids: list[str]) -> list[str]:
    malformed = [f"{rule_id!r} is no rule id" for rule_id in ids if not RULE_ID.fullmatch(rule_id)]
    twice = [
        f"{rule_id} is written {ids.count(rule_id)} times" for rule_id in sorted(set(ids)) if ids.count(rule_id) > 1
    ]
    return malformed + twice


def test_every_rule_in_rules_md_has_an_id_of_its_own():
    """An error code names its rule by id: an id written twice names two rules (A1–A8 and S1–S6
    once did; decision 0061)."""
    ids = rule_ids((Path(settings.BASE_DIR) / "docs/rules.md").read_text())
    assert len(ids) > 150, f"only {len(ids)} rule ids read: rules.md's tables were not parsed"
    assert not rule_id_problems(ids), rule_id_problems(ids)


def test_an_id_written_twice_in_another_section_is_found():
    table = "| # | rule |\n| --- | --- |\n"
    text = f"## One\n\n{table}| A1 | one |\n| A2 | two |\n\n## Two\n\n{table}| A1 | three |\n"
    assert rule_id_problems(rule_ids(text)) == ["A1 is written 2 times"]


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
