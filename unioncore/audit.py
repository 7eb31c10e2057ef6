"""Who did it: the acting user for history rows written outside a web request; the one write
path for rows with their history (`create_with_history`, `update_with_history`) on both
databases; and the database rule that keeps audit tables append-only."""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError, connection, migrations, transaction
from django.db.models.expressions import RawSQL
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from unioncore.sql import Statement, bound_cursor, json_records

_actor: ContextVar = ContextVar("unioncore_actor", default=None)

SYSTEM_USERNAME = "system"


def history_user(instance=None, request=None, **kwargs):
    """simple-history's `get_user`: the user named by `acting_as`, else the request's user.

    Services still set `instance._history_user` explicitly; this covers everything else
    (tasks, commands, imports, API calls made through DRF)."""
    actor = _actor.get()
    if actor is not None:
        return actor
    if request is not None and getattr(request, "user", None) is not None and request.user.is_authenticated:
        return request.user
    return None


@contextmanager
def acting_as(user):
    """Name the user that history rows written inside this block are attributed to."""
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


def system_user():
    """The account that Celery tasks and other unattended jobs act as (made by a migration)."""
    from unioncore.models import User

    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"kind": "staff", "is_active": False, "password": "!", "first_name": "System"},
    )
    return user


_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION unioncore_reject_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


@functools.cache
def history_insert_sql(model, source: str) -> str:
    """SQL that copies the rows of `source` (a table or a WITH query with `model`'s columns) into
    `model`'s simple-history table, as bulk_history_create writes them. Its parameters: the
    history date, the change reason, the type ("+" created, "~" changed) and the user's id.
    Made once per model and source: reading `model.history` builds a manager class each time
    (a noticeable share of the clock-in: docs/performance.md)."""
    history, quote = model.history.model, connection.ops.quote_name
    tracked = [(history._meta.get_field(f.name).column, f.column) for f in history.tracked_fields]
    return (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(target) for target, _ in tracked)}, "
        "history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(quote(column) for _, column in tracked)}, %s, %s, %s, %s FROM {source}"
    )


# --- One write path with history, on both databases ---
# The fast writes (the clock-in, the sweep, the offline sync's key) write a row and its
# simple-history row in one statement on PostgreSQL. On any other database (the embedded SQLite
# of `make run`) the same rows go through the ORM and simple-history. Both branches are tested
# (unioncore/tests/test_audit.py, marked `sqlite`: `make test` runs them on both databases);
# services call these and never ask which database they are on.


def create_with_history(obj, *, by, reason: str | None = None) -> None:
    """Insert one new `obj` and its "+" history row (user `by`, `reason`), as `save()` and
    simple-history would write them, in one statement: a round trip and a model instance fewer,
    on the phone API's busiest write. No history signals are sent. (Many rows at once:
    `unioncore.imports.bulk.insert_with_history`, by COPY.)"""
    model = type(obj)
    if connection.vendor != "postgresql":
        obj._history_user = by
        if reason:
            obj._change_reason = reason
        obj.save()
        return
    fields, sql = _create_with_history_sql(model)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, timezone.now(), reason, "+", by and by.pk])
        (obj.pk,) = cursor.fetchone()
    obj._state.adding, obj._state.db = False, connection.alias


def update_with_history(objs: list, fields: list[str], *, by, reason: str | None, at=None) -> None:
    """Write `fields` of every instance in `objs` (one model) and one "~" history row each (user
    `by`, `reason`, dated `at`, default now): the rows bulk_update_with_history would write. On
    PostgreSQL in one statement, UPDATE … FROM the instances' values (`json_records`) joined on
    the primary key, the updated rows copied into the history table: Django's bulk_update builds
    a CASE WHEN per row and field and bulk_history_create a model instance per row (far too slow
    for the sweep: docs/performance.md). Only `fields` may differ from the stored row."""
    if not objs:
        return
    model, at = type(objs[0]), at or timezone.now()
    if connection.vendor != "postgresql":
        bulk_update_with_history(objs, model, fields, default_user=by, default_change_reason=reason, default_date=at)
        return
    columns, sql = _update_with_history_sql(model, tuple(fields))
    _records, data = json_records(columns, ([getattr(obj, f.attname) for f in columns] for obj in objs))
    with connection.cursor() as cursor:
        cursor.execute(sql, [data, at, reason, "~", by and by.pk])


def update_locked_with_history(
    build, *, shape: tuple = (), values: dict, apply, by, reason: str | None, at, returning: tuple[str, ...]
) -> list[tuple]:
    """Set-based: `build(*shape, **values)` gives the locking read (a queryset with select_for_update,
    ordered and sliced) and the changes (field name → a value or Django expression computed from
    the row itself); lock the rows, set the changes on them, write one "~" history row each (user
    `by`, `reason`, dated `at`), and return the `returning` attributes (attnames) of every row
    changed, as tuples. On PostgreSQL in one statement and without a model instance: `WITH locked
    AS MATERIALIZED (<locking>), updated AS (UPDATE … WHERE pk IN locked RETURNING *), history AS
    (INSERT INTO <history> SELECT … FROM updated) SELECT <returning> FROM updated` — the locking
    read's filter is re-checked on each row it locks, as it would be alone. The statement is
    compiled once per `build`, `shape` and `returning` (`unioncore.sql.Statement`: `values` are
    ints and datetimes, sent as parameters; `shape` what the SQL writes as text, such as a LIMIT),
    since compiling it cost a tenth of running it (decision 0064). On any
    other database (the embedded SQLite of `make run`): the rows as instances, `apply(instance)`
    on each (it sets what the changes say, through the model's own methods),
    bulk_update_with_history. The changes and `apply` are the same rule twice, so the callers'
    tests run on both databases."""
    if connection.vendor != "postgresql":
        locking, changes = build(*shape, **values)
        objs = list(locking)
        for obj in objs:
            apply(obj)
        if objs:
            bulk_update_with_history(
                objs, locking.model, list(changes), default_user=by, default_change_reason=reason, default_date=at
            )
        return [tuple(getattr(obj, name) for name in returning) for obj in objs]
    sql, params = _LOCKED_UPDATES.sql((build, shape, returning), **values)
    with bound_cursor(binary_rows=True) as cursor:
        cursor.execute(sql, [*params, at, reason, "~", by and by.pk])
        return cursor.fetchall()


def _locked_update_sql(shape, **values) -> tuple[str, list]:
    """The statement of `update_locked_with_history` (PostgreSQL), and its parameters before the
    history row's four."""
    build, args, returning = shape
    locking, changes = build(*args, **values)
    model = locking.model
    meta, quote = model._meta, connection.ops.quote_name
    lock_sql, lock_params = locking.values("pk").query.sql_with_params()  # SELECT … AS "pk" …
    # Qualified: an unknown column must be an error, not the outer row's own (which matches all).
    update = model._base_manager.filter(pk__in=RawSQL("SELECT locked.pk FROM locked", [])).query.chain(UpdateQuery)
    update.add_update_values(changes)
    update_sql, update_params = update.get_compiler(connection.alias).as_sql()
    columns = ", ".join(f"updated.{quote(meta.get_field(name).column)}" for name in _field_names(model, returning))
    sql = (
        f"WITH locked AS MATERIALIZED ({lock_sql}), "
        f"updated AS ({update_sql} RETURNING *), "
        f"history AS ({history_insert_sql(model, 'updated')}) "
        f"SELECT {columns} FROM updated"
    )
    return sql, [*lock_params, *update_params]


_LOCKED_UPDATES = Statement(_locked_update_sql)


def _field_names(model, attnames) -> list[str]:
    """The field names of `attnames` ("worker_id" → "worker", "pk" → the primary key's)."""
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return [model._meta.pk.name if name == "pk" else by_attname.get(name, name) for name in attnames]


@functools.cache
def _create_with_history_sql(model) -> tuple[list, str]:
    meta, quote = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    sql = (
        f"WITH written AS (INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING *) "
        f"{history_insert_sql(model, 'written')} RETURNING {quote(meta.pk.column)}"
    )
    return fields, sql


@functools.cache
def _update_with_history_sql(model, fields: tuple[str, ...]) -> tuple[list, str]:
    meta, quote = model._meta, connection.ops.quote_name
    changed = [meta.get_field(name) for name in fields]
    columns = [meta.pk, *changed]
    records, _data = json_records(columns, [])
    sql = (
        f"WITH updated AS (UPDATE {quote(meta.db_table)} AS t "
        f"SET {', '.join(f'{quote(f.column)} = v.{quote(f.column)}' for f in changed)} "
        f"FROM json_to_recordset(%s::json) AS v({records}) WHERE t.{quote(meta.pk.column)} = v.{quote(meta.pk.column)} "
        f"RETURNING t.*) {history_insert_sql(model, 'updated')}"
    )
    return columns, sql


def _trigger_name(table: str) -> str:
    return f"{table}_append_only"[:63]


def _truncate_trigger_name(table: str) -> str:
    return f"{table}_no_truncate"[:63]


def refuse_truncate_sql(table: str) -> str:
    """A statement trigger: TRUNCATE of `table` is refused, even for its owner. (A superuser may
    still empty it on purpose: `emptying_append_only`.)"""
    return (
        f'CREATE OR REPLACE TRIGGER "{_truncate_trigger_name(table)}" BEFORE TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION unioncore_reject_change()"
    )


def allow_truncate_sql(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS "{_truncate_trigger_name(table)}" ON "{table}"'


def append_only_tables(cursor) -> list[str]:
    """The tables the append-only triggers guard (PostgreSQL), by name."""
    cursor.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "JOIN pg_proc p ON p.oid = t.tgfoid WHERE p.proname = 'unioncore_reject_change' ORDER BY 1"
    )
    return [row[0] for row in cursor.fetchall()]


class AppendOnlyRefused(Exception):
    """Emptying the append-only tables was asked for on a connection that may not."""


@contextmanager
def emptying_append_only(connection):
    """Let this connection TRUNCATE the append-only tables inside the block: the test runner's
    flush and the benchmarks' reset. Only a superuser may (`session_replication_role`, which
    the app's role and the tables' owner cannot set): the history stays untouchable for them."""
    if connection.vendor != "postgresql":
        yield
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    except DatabaseError as e:
        raise AppendOnlyRefused(
            "Only a PostgreSQL superuser may empty the append-only tables (the audit history and the "
            f"member ledger): {e}".strip()
        ) from e
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")


class AppendOnly(migrations.operations.base.Operation):
    """Migration operation: on PostgreSQL, a trigger rejects every UPDATE and DELETE on `table`,
    and another every TRUNCATE (decision 0039).

    Used for every history table (seed rule: audit immutability, 7-year retention) and for the
    member ledger (corrections are new rows). Only a superuser can still empty them
    (`emptying_append_only`: the test runner's flush); the app's role owns nothing, so it
    cannot drop or disable the triggers either."""

    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        name = _trigger_name(self.table)
        schema_editor.execute(_FUNCTION_SQL, None)
        schema_editor.execute(
            f'CREATE OR REPLACE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON "{self.table}" '
            "FOR EACH ROW EXECUTE FUNCTION unioncore_reject_change()",
            None,
        )
        schema_editor.execute(refuse_truncate_sql(self.table), None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP TRIGGER IF EXISTS "{_trigger_name(self.table)}" ON "{self.table}"', None)
        schema_editor.execute(allow_truncate_sql(self.table), None)

    def describe(self):
        return f"Make {self.table} append-only"
