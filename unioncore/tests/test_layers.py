"""The ground floor stays the ground floor (decision 0026): no module of the `unioncore` package
imports a domain app (members, referral, dispatch, fulfillment, reports); they import it.

Allowed: naming an app by dotted string (INSTALLED_APPS, a URL `include("…")`, a Celery task
name, `import_module("members.demo")` in seed_demo) — the project assembles its apps that way.
Not allowed: an `import` or `from … import` of a domain app anywhere in unioncore's own code, at
module level or inside a function. The tests under unioncore/tests/ are exempt (they exercise the
assembled project). The few imports that predate this rule are listed below with their reason;
the list may only shrink (an entry that is no longer true fails, so it is removed when fixed)."""

import ast
from pathlib import Path

import pytest

from unioncore import imports

ROOT = Path(__file__).resolve().parents[1]  # the unioncore package
DOMAIN_APPS = frozenset({"members", "referral", "dispatch", "fulfillment", "reports"})
EXEMPT_DIRS = (ROOT / "tests",)

# path (relative to unioncore/) -> the domain modules it may import, and why. Shrink only.
KNOWN = {
    "api/urls.py": (
        {"dispatch", "fulfillment", "referral"},
        "the project's /api/v1/ URL conf routes to the apps' API views (could become include() strings)",
    ),
}


def domain_imports(path: Path) -> set[str]:
    """The absolute module names of domain apps that a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in DOMAIN_APPS)
    return found


def unioncore_modules() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not any(path.is_relative_to(exempt) for exempt in EXEMPT_DIRS) and "__pycache__" not in path.parts
    ]


def test_no_unioncore_module_imports_a_domain_app():
    wrong = {}
    for path in unioncore_modules():
        allowed = KNOWN.get(path.relative_to(ROOT).as_posix(), (set(), ""))[0]
        extra = domain_imports(path) - allowed
        if extra:
            wrong[path.relative_to(ROOT).as_posix()] = sorted(extra)
    assert not wrong, (
        f"unioncore imports a domain app (decision 0026; name it by dotted string or move the code): {wrong}"
    )


@pytest.mark.parametrize("relative", sorted(KNOWN))
def test_each_known_exception_is_still_true(relative):
    """Fixed? Remove it from KNOWN: the list only shrinks."""
    path = ROOT / relative
    assert path.exists(), f"{relative} is gone: remove it from KNOWN"
    assert domain_imports(path) == KNOWN[relative][0], f"{relative} changed: shrink its entry in KNOWN"


def test_the_import_framework_has_no_exception():
    assert not [p for p in KNOWN if p.startswith("imports/")]
    assert all(not domain_imports(p) for p in (ROOT / "imports").rglob("*.py"))


def test_the_checker_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("import os\n\ndef f():\n    from referral.models import ReferralBook\n    import members\n")
    assert domain_imports(module) == {"referral.models", "members"}


def test_each_app_registers_its_kinds_in_the_import_order():
    first = ["members", "employers", "registrations", "dispatches", "ledger"]
    assert [name for name in imports.KINDS if name in first] == first
    owners = {name: type(kind).__module__.split(".")[0] for name, kind in imports.KINDS.items()}
    assert set(owners.values()) <= DOMAIN_APPS, "every kind lives in a domain app"
    assert {name: owners[name] for name in first} == {
        "members": "members",
        "ledger": "members",
        "registrations": "referral",
        "employers": "dispatch",
        "dispatches": "dispatch",
    }
