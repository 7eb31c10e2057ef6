"""The apps import one way (issue 23, item 1; decision 0057): reports > fulfillment > dispatch >
referral > members > unioncore, checked by import-linter's layers contract (`.importlinter`).
Only the wiring — the URL lists — may name every app; pages composed from several apps get
their parts through unioncore.composition."""

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from unioncore import imports

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["reports", "fulfillment", "dispatch", "referral", "members", "unioncore"]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")  # import-linter's command, in the venv
# The URL lists name the apps; only the API's imports their views (the others include() by string).
WIRING = {"unioncore.api.urls"}


def lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(config), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_apps_import_only_the_layers_below_them():
    result = lint(ROOT / ".importlinter")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_only_the_wiring_and_the_tests_are_exempt():
    """The exemptions are the URL lists and test code, nothing else: an import of an app above
    cannot be waved through by adding it to the list."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    contract = config["importlinter:contract:layers"]
    assert contract["layers"].split() == LAYERS
    ignored = [line.split("->")[0].strip() for line in contract["ignore_imports"].split("\n") if line.strip()]
    assert set(ignored) - {"**.tests.**", "**.conftest"} == WIRING


@pytest.mark.parametrize(
    ("module", "upward"),
    [("members/_probe.py", "from dispatch import selectors\n"), ("dispatch/_probe.py", "import fulfillment.models\n")],
)
def test_an_import_of_an_app_above_breaks_the_build(tmp_path, module, upward):
    """The check fails on an upward import: the same contract run over a copy of the apps with
    one module that imports the layer above."""
    for app in LAYERS:
        # Only the Python files matter to the import graph.
        for source in (ROOT / app).rglob("*.py"):
            target = tmp_path / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    (tmp_path / module).write_text(upward)
    (tmp_path / ".importlinter").write_bytes((ROOT / ".importlinter").read_bytes())
    result = subprocess.run(
        [LINT_IMPORTS, "--config", ".importlinter", "--no-cache"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
    assert module.replace("/", ".").removesuffix(".py") in result.stdout


def test_each_app_registers_its_kinds_in_the_import_order():
    """The LaborPower import framework (kernel) names no app; each app registers its kinds."""
    first = ["members", "employers", "registrations", "dispatches", "ledger"]
    assert [name for name in imports.KINDS if name in first] == first
    owners = {name: type(kind).__module__.split(".")[0] for name, kind in imports.KINDS.items()}
    assert set(owners.values()) <= set(LAYERS) - {"unioncore"}, "every kind lives in a domain app"
    assert {name: owners[name] for name in first} == {
        "members": "members",
        "ledger": "members",
        "registrations": "referral",
        "employers": "dispatch",
        "dispatches": "dispatch",
    }
