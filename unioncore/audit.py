"""Who did it: the acting user for history rows written outside a web request, and the
database rule that keeps audit tables append-only."""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError, connection, migrations, transaction
from django.utils import timezone

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
    (a millisecond of the clock-in's ~18 on the benchmark machine)."""
    history, quote = model.history.model, connection.ops.quote_name
    tracked = [(history._meta.get_field(f.name).column, f.column) for f in history.tracked_fields]
    return (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(quote(target) for target, _ in tracked)}, "
        "history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {', '.join(quote(column) for _, column in tracked)}, %s, %s, %s, %s FROM {source}"
    )


def create_with_history(obj, *, user, reason: str | None = None) -> None:
    """Insert one new `obj` and its "+" history row in one statement, as `save()` and
    simple-history would write them in two (a round trip and a model instance fewer, on the
    phone API's busiest write). The acting `user` and `reason` are given, not looked up; no
    history signals are sent. On another database (the embedded SQLite of `make run`) it is a
    plain `save()`. (Many rows at once: `unioncore.imports.bulk.insert_with_history`, by COPY.)"""
    model = type(obj)
    if connection.vendor != "postgresql":
        obj._history_user = user
        if reason:
            obj._change_reason = reason
        obj.save()
        return
    fields, sql = _create_with_history_sql(model)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, timezone.now(), reason, "+", user and user.pk])
        (obj.pk,) = cursor.fetchone()
    obj._state.adding, obj._state.db = False, connection.alias


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
