"""Bringing the hall's data across from LaborPower and the Access member database (issue 10).

`run(kind, data, by=…)` validates every row of one CSV export and writes it all in one
transaction, or nothing. See docs/imports.md for the columns of each kind."""

from unioncore.laborpower.base import CHANGE_REASON, ImportReport, RowError, run_import, write_error_report
from unioncore.laborpower.dispatches import Dispatches
from unioncore.laborpower.employers import Employers
from unioncore.laborpower.ledger import Ledger
from unioncore.laborpower.members import Members
from unioncore.laborpower.registrations import Registrations

KINDS = {kind.name: kind for kind in (Members(), Employers(), Registrations(), Dispatches(), Ledger())}


def run(
    kind: str,
    data: bytes,
    *,
    by,
    dry_run: bool = False,
    options: dict | None = None,
    progress: bool = False,
    on_progress=None,
) -> ImportReport:
    return run_import(
        KINDS[kind], data, by=by, dry_run=dry_run, options=options, progress=progress, on_progress=on_progress
    )


__all__ = ["CHANGE_REASON", "KINDS", "ImportReport", "RowError", "run", "write_error_report"]
