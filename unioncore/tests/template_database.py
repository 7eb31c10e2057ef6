"""One migrated test database a run, copied for each pytest-xdist worker (decision 0065).

The migrations cost about a minute of CPU (rendering the model states, not the SQL), and each
worker paid it for its own test database. Now the first worker to get the run's lock migrates a
template and every worker (the first too) takes a copy of it: PostgreSQL's `CREATE DATABASE …
TEMPLATE` (`test_<name>_gw0`, `_gw1`, … as before; the template `test_<name>_template`, dropped
once the last worker has its copy), or for SQLite's in-memory test database, sqlite3's backup
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


def setup_worker_database(*, alias: str, run: str, workers: int, verbosity: int):
    """This worker's test database, a copy of the run's migrated template; returns what
    `django.test.utils.teardown_databases` takes."""
    connection = connections[alias]
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "postgresql":
        _postgresql(connection, run=run, workers=workers, verbosity=verbosity)
    else:
        _sqlite(connection, run=run, workers=workers, verbosity=verbosity)
    return [(connection, old_name, True)]


def _use(connection, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _postgresql(connection, *, run: str, workers: int, verbosity: int) -> None:
    test = connection.settings_dict["TEST"]
    own = test["NAME"]  # test_<name>_gwN, set by pytest-django
    template = re.sub(r"_gw\d+$", "", own) + "_template"
    quote = connection.ops.quote_name
    with _run_lock(f"unioncore-{template}") as state:
        if state.get("run") != run:
            # Migrated once; a template left by a run that stopped half-way is dropped first.
            test["NAME"] = template
            connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            state.clear()
            state.update(run=run, copies=0)
        _use(connection, template)  # no session may be open on a template while it is copied
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(own)}")
            cursor.execute(f"CREATE DATABASE {quote(own)} WITH TEMPLATE {quote(template)}")
            state["copies"] += 1
            if state["copies"] >= workers:
                cursor.execute(f"DROP DATABASE {quote(template)}")
                state.clear()
    test["NAME"] = own
    _use(connection, own)
    connection.ensure_connection()


def _sqlite(connection, *, run: str, workers: int, verbosity: int) -> None:
    template = LOCKS / f"unioncore-sqlite-template-{run}.sqlite3"
    with _run_lock(f"unioncore-sqlite-{run}") as state:
        if not state:
            # Migrated in this worker's own in-memory database, then written to the file.
            connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
            with contextlib.closing(sqlite3.connect(template)) as copy:
                connection.connection.backup(copy)
            state.update(run=run, copies=1)
        else:
            _use(connection, connection.creation._get_test_db_name())
            connection.ensure_connection()
            with contextlib.closing(sqlite3.connect(f"file:{template}?mode=ro", uri=True)) as source:
                source.backup(connection.connection)
            state["copies"] += 1
        if state["copies"] >= workers:  # every worker has its copy: nobody opens these again
            template.unlink(missing_ok=True)
            (LOCKS / f"unioncore-sqlite-{run}.lock").unlink(missing_ok=True)
            state.clear()
