"""One migrated test database a run, copied for each pytest-xdist worker (decision 0065).

The migrations cost about a minute of CPU (rendering the model states, not the SQL), and each
worker paid it for its own test database. Now the first worker to get the run's lock migrates a
template and every worker (the first too) takes a copy of it: PostgreSQL's `CREATE DATABASE …
TEMPLATE` (`test_<name>_gw0`, `_gw1`, … as before; the template `test_<name>_template`, dropped
by the last worker to finish), or for SQLite's in-memory test database, sqlite3's backup
from a file the first worker wrote (deleted by the last). The copy is the migrated database byte
for byte: the books, groups and system user the migrations make, the triggers, the cache table.

Django's own test runner does the same for `--parallel` (`setup_databases(parallel=…)`,
`clone_test_db`); pytest-django does not (pytest-django issue 908), and xdist has no hook that runs
once before the workers, hence the file lock. Anything else (one process, `--reuse-db`,
`--nomigrations`, another alias or a SQLite file) sets up as pytest-django always did."""

import contextlib
import fcntl
import json
import re
import sqlite3
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections

LOCKS = Path(tempfile.gettempdir())


@contextlib.contextmanager
def _run_lock(name: str):
    """The run's lock, and its state (which run built the template, how many workers copied it)."""
    with open(LOCKS / f"{name}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        state_file = LOCKS / f"{name}.json"
        try:
            state = json.loads(state_file.read_text()) if state_file.exists() else {}
        except ValueError:
            state = {}
        try:
            yield state
        finally:
            if state:
                state_file.write_text(json.dumps(state))
            else:
                state_file.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)


def can_copy(alias: str) -> bool:
    """PostgreSQL, or SQLite's in-memory test database: the two this project tests on."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.creation.is_in_memory_db(
        connection.settings_dict["TEST"].get("NAME") or ":memory:"
    )


def setup_worker_database(*, alias: str, run: str, verbosity: int):
    """This worker's test database, a copy of the run's migrated template; returns what
    `django.test.utils.teardown_databases` takes."""
    connection = connections[alias]
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        _postgresql(connection, run=run, verbosity=verbosity)
    else:
        _sqlite(connection, run=run, verbosity=verbosity)
    return [(connection, old_name, True)]


def worker_finished(*, alias: str, run: str, workers: int) -> None:
    """Counted at the end of every worker, one with no database test too: the last one drops the
    template (or deletes the file)."""
    connection = connections[alias]
    name = _lock_name(connection, run)
    with _run_lock(name) as state:
        _this_run(state, run)
        state["finished"] += 1
        if state["finished"] < workers:
            return
        if state["built"]:
            if connection.vendor == "postgresql":
                with connection.creation._nodb_cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(_template(connection))}")
            else:
                _sqlite_file(run).unlink(missing_ok=True)
        state.clear()
        if connection.vendor != "postgresql":  # nobody of this run opens it again
            (LOCKS / f"{name}.lock").unlink(missing_ok=True)


def _this_run(state: dict, run: str) -> None:
    if state.get("run") != run:  # a new run (a template a stopped run left is dropped when built)
        state.clear()
        state.update(run=run, built=False, finished=0)


def _template(connection) -> str:
    test = connection.settings_dict["TEST"].get("NAME") or f"test_{connection.settings_dict['NAME']}"
    return re.sub(r"_gw\d+$", "", test) + "_template"


def _sqlite_file(run: str) -> Path:
    return LOCKS / f"unioncore-sqlite-template-{run}.sqlite3"


def _lock_name(connection, run: str) -> str:
    if connection.vendor == "postgresql":
        return f"unioncore-{_template(connection)}"
    return f"unioncore-sqlite-{run}"


def _use(connection, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _postgresql(connection, *, run: str, verbosity: int) -> None:
    test = connection.settings_dict["TEST"]
    own = test["NAME"]  # test_<name>_gwN, set by pytest-django
    template = _template(connection)
    quote = connection.ops.quote_name
    with _run_lock(_lock_name(connection, run)) as state:
        _this_run(state, run)
        if not state["built"]:
            test["NAME"] = template  # migrated once; one a stopped run left is dropped first
            connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            state["built"] = True
        _use(connection, template)  # no session may be open on a template while it is copied
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(own)}")
            cursor.execute(f"CREATE DATABASE {quote(own)} WITH TEMPLATE {quote(template)}")
    test["NAME"] = own
    _use(connection, own)
    connection.ensure_connection()


def _sqlite(connection, *, run: str, verbosity: int) -> None:
    template = _sqlite_file(run)
    with _run_lock(_lock_name(connection, run)) as state:
        _this_run(state, run)
        if not state["built"]:
            # Migrated in this worker's own in-memory database, then written to the file.
            connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            with contextlib.closing(sqlite3.connect(template)) as copy:
                connection.connection.backup(copy)
            state["built"] = True
        else:
            _use(connection, connection.creation._get_test_db_name())
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(f"file:{template}?mode=ro", uri=True)) as source:
                source.backup(connection.connection)
