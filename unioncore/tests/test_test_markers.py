"""The database markers of the tests are where they take effect (decision 0061).

A `django_db` marker on a helper does nothing: the test below it then runs without it, and a
browser test run so (pytest-django makes any test using `live_server` transactional) empties the
tables the migrations filled — the books, the system user, the staff groups — for every test
after it. Session 8's kiosk test did exactly that: it passed, and later tests failed. The rule of
this project: a transactional test restores the migrations' data (`serialized_rollback=True`), and
a test using `live_server` (itself or through a fixture: `page`) says so in its marker. This scan
reads the test modules and conftest files; it runs no test."""

import ast
from pathlib import Path

from django.conf import settings

APPS = ("unioncore", "members", "referral", "dispatch", "fulfillment", "reports")
BASE = Path(settings.BASE_DIR)


def _is_mark(node: ast.expr, name: str) -> bool:
    """`pytest.mark.<name>` or `pytest.mark.<name>(...)`."""
    target = node.func if isinstance(node, ast.Call) else node
    return (
        isinstance(target, ast.Attribute)
        and target.attr == name
        and isinstance(target.value, ast.Attribute)
        and target.value.attr == "mark"
    )


def _keyword_true(call: ast.expr, name: str) -> bool:
    return isinstance(call, ast.Call) and any(
        k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords
    )


def _restores(mark: ast.expr) -> bool:
    """A transactional marker that restores the migrations' data."""
    return _keyword_true(mark, "transaction") and _keyword_true(mark, "serialized_rollback")


def _marks(node: ast.expr | None) -> list[ast.expr]:
    """The marks of a decorator list item or a `pytestmark = …` value (one mark or a list)."""
    if node is None:
        return []
    return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else [node]


def _is_fixture(function: ast.FunctionDef) -> bool:
    targets = [d.func if isinstance(d, ast.Call) else d for d in function.decorator_list]
    return any(getattr(t, "attr", getattr(t, "id", None)) == "fixture" for t in targets)


def _used_fixtures(function: ast.FunctionDef, module_marks: list[ast.expr]) -> set[str]:
    names = {a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)}
    for mark in [*module_marks, *function.decorator_list]:
        if isinstance(mark, ast.Call) and _is_mark(mark, "usefixtures"):
            names |= {a.value for a in mark.args if isinstance(a, ast.Constant)}
    return names


def fixtures_of(tree: ast.Module) -> dict[str, set[str]]:
    """Each fixture a module or conftest defines, with the fixtures it asks for."""
    return {
        node.name: {a.arg for a in node.args.args}
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and _is_fixture(node)
    }


def _needs_live_server(names: set[str], fixtures: dict[str, set[str]]) -> bool:
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name == "live_server":
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(fixtures.get(name, ()))
    return False


def marker_problems(source: str, where: str, outer_fixtures: dict[str, set[str]]) -> list[str]:
    """What is wrong with the `django_db` markers of one test module (or conftest)."""
    tree = ast.parse(source, where)
    fixtures = {**outer_fixtures, **fixtures_of(tree)}  # the module's own win, as in pytest
    module_marks = [
        mark
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets)
        for mark in _marks(node.value)
    ]
    problems = []
    for node in ast.walk(tree):
        transactional = (
            isinstance(node, ast.Call) and _is_mark(node, "django_db") and _keyword_true(node, "transaction")
        )
        if transactional and not _restores(node):
            problems.append(f"{where}:{node.lineno}: a transactional test without serialized_rollback=True")
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        db_marks = [d for d in node.decorator_list if _is_mark(d, "django_db")]
        is_test = node.name.startswith("test_") if isinstance(node, ast.FunctionDef) else node.name.startswith("Test")
        if db_marks and not is_test:
            problems.append(
                f"{where}:{node.lineno}: a django_db marker on {node.name}, which pytest does not run as a test: "
                "it belongs on the test that uses it"
            )
        if (
            isinstance(node, ast.FunctionDef)
            and is_test
            and _needs_live_server(_used_fixtures(node, module_marks), fixtures)
        ):
            in_effect = db_marks or [m for m in module_marks if _is_mark(m, "django_db")]
            if not any(_restores(mark) for mark in in_effect):
                problems.append(
                    f"{where}:{node.lineno}: {node.name} uses the live server without "
                    "django_db(transaction=True, serialized_rollback=True)"
                )
    return problems


def _conftest_fixtures(module: Path) -> dict[str, set[str]]:
    """The fixtures of the conftest files above a module, the nearest winning."""
    found: dict[str, set[str]] = {}
    folder = module.parent
    chain = []
    while folder == BASE or BASE in folder.parents:
        chain.append(folder / "conftest.py")
        folder = folder.parent
    for conftest in reversed(chain):  # the root's first, overridden by nearer ones
        if conftest.exists():
            found.update(fixtures_of(ast.parse(conftest.read_text(), str(conftest))))
    return found


def _test_modules() -> list[Path]:
    modules = [BASE / "conftest.py"]
    for app in APPS:
        modules += sorted((BASE / app).rglob("test_*.py")) + sorted((BASE / app).rglob("conftest.py"))
    return modules


def test_every_database_marker_is_on_a_test_and_restores_the_migrations_data():
    modules = _test_modules()
    assert len(modules) > 100, f"only {len(modules)} test modules found"
    problems = [
        problem
        for module in modules
        for problem in marker_problems(
            module.read_text(), str(module.relative_to(BASE)), {"live_server": set(), **_conftest_fixtures(module)}
        )
    ]
    assert not problems, "\n".join(problems)


# Session 8's kiosk test, its marker slid onto the helper above it (fixed in a64c16a).
SLID = """
@pytest.fixture
def kiosk(page):
    return page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def shown_moment(page, name):
    return page.locator(name).input_value()


def test_the_supervisor_stops_a_shift_with_changes_at_the_kiosk(kiosk, artifacts_dir):
    assert shown_moment(kiosk, "start")
"""


def test_a_marker_slid_onto_a_helper_is_found_and_so_is_the_unmarked_browser_test():
    problems = marker_problems(SLID, "test_kiosk.py", {"page": {"browser", "live_server"}})
    assert len(problems) == 2, problems
    assert "test_kiosk.py:8: a django_db marker on shown_moment" in problems[0]
    assert (
        "test_kiosk.py:12: test_the_supervisor_stops_a_shift_with_changes_at_the_kiosk uses the live server"
        in problems[1]
    )


def test_a_transactional_marker_without_serialized_rollback_is_found():
    source = "pytestmark = pytest.mark.django_db(transaction=True)\n\ndef test_races(db):\n    pass\n"
    assert marker_problems(source, "test_races.py", {}) == [
        "test_races.py:1: a transactional test without serialized_rollback=True"
    ]


def test_a_browser_test_marked_in_its_module_passes():
    source = (
        "pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)\n\n"
        "def test_home(page):\n    pass\n"
    )
    assert marker_problems(source, "test_browser_home.py", {"page": {"browser", "live_server"}}) == []
