"""Helpers for the fast paths: the few hand-written PostgreSQL statements, and ORM queries
compiled once and run again with other values (`Compiled`)."""

import datetime
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from decimal import Decimal

import orjson
import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import QuerySet


def json_records(fields, rows) -> tuple[str, str]:
    """For `json_to_recordset(%s::json) AS v(<columns>)`: the column definitions of `fields`,
    and `rows` (tuples of their values, in that order) as the JSON parameter, written by orjson.
    On Django's cursors (client-side binding) one JSON text costs far less than the same values
    as one array per column (psycopg quotes each element of an array in Python). Timestamps
    keep their microseconds and time zone, decimals their digits: each column's type parses
    them back exactly."""
    quote = connection.ops.quote_name
    names = [f.column for f in fields]
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    data = orjson.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_json_value)
    return columns, data.decode()


def _json_value(value):
    """What orjson does not write itself (it writes datetimes, dates, times and UUIDs as ISO text)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):  # a relation set by instance: its key
        return value.pk
    return str(value)  # a phone number and other field values that are text in the database


def column_arrays(fields, rows) -> tuple[str, list[list]]:
    """For `unnest(<arrays>) AS v(<columns of fields>)` in a statement run on `bound_cursor()`:
    one typed placeholder per field, and `rows` (tuples of the fields' values, in that order) as
    one list per field. The lists travel in PostgreSQL's binary format, apart from the statement:
    nothing is quoted in Python or parsed as text by the server, as one JSON text of the same
    rows is (the client quotes it into the statement, the server lexes and parses it: decision
    0062)."""
    placeholders = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    arrays = [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in fields]
    return placeholders, arrays


@contextmanager
def bound_cursor(*, binary_rows: bool = False):
    """A cursor on the default connection (in its transaction) whose parameters are sent apart
    from the statement (psycopg's server-side binding; `%b` asks for a binary one), wrapped as
    Django wraps its own: the query is logged and counted, `execute_wrapper`s see it. Django's
    own cursors quote every parameter into the statement's text (client-side binding), which
    for a batch's thousands of values costs more than the statement. `binary_rows`: the rows
    come back in binary too, read by psycopg's C loaders (Django's time-zone loader for text
    is Python, slow on a batch's timestamps: decision 0062); timestamps are UTC. PostgreSQL only."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if binary_rows:
        raw.format = psycopg.pq.Format.BINARY
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        raw.close()


class Compiled:
    """A `values()` queryset that the ORM builds and compiles once, then runs again with other
    values: for a read so frequent that building and compiling its query costs more than
    running it (a page of the phone API's time-log list, whose query the ORM took longer to
    build and compile than to run; decision 0063, docs/performance.md).

    `build(shape, **values)` makes the queryset; `shape` picks its form (e.g. who is asking),
    `values` are the numbers that change between calls (e.g. the caller's id). The queryset is
    built once per shape with stand-in numbers and compiled; each call sends that SQL with the
    stand-ins in its parameters replaced by the call's values, plus its LIMIT/OFFSET, and turns
    the rows into the dicts `values()` would give (the database's converters applied, as the ORM
    does). Values named in `text` are strings (a token's key) and get string stand-ins that no
    real value contains. A stand-in the SQL carries as text instead of a parameter refuses the template (its
    value could not be replaced). Kept per database connection (one per thread), since the
    converters belong to the connection that compiled them."""

    STAND_IN = -7_340_019_000  # no id or count is negative; each value gets its own below this

    def __init__(self, build: Callable[..., QuerySet], *, text: tuple[str, ...] = ()):
        self.build = build
        self.text = frozenset(text)  # the values that are strings (a token's key), not numbers

    def rows(self, shape: Hashable, low: int, high: int | None, /, **values: int | str | None) -> list[dict]:
        """Rows `low` to `high` (a slice's bounds; None: to the end) of the queryset of `shape`
        and `values`."""
        database = connections[DEFAULT_DB_ALIAS]  # this thread's
        templates = database.__dict__.setdefault("_compiled_templates", {})
        key = (id(self), shape, tuple(sorted(values)))
        template = templates.get(key)
        if template is None:
            template = templates[key] = _Template(database, self.build, shape, sorted(values), self.text)
        return template.run(values, low, high)


class _Template:
    def __init__(
        self, database, build: Callable[..., QuerySet], shape: Hashable, names: list[str], text: frozenset = frozenset()
    ):
        self.database = database
        stand_ins = {
            name: f"\x1fstand-in {n}\x1f" if name in text else Compiled.STAND_IN - n for n, name in enumerate(names)
        }
        queryset = build(shape, **stand_ins)
        query = queryset.query
        if query.is_sliced:
            raise ValueError("Compiled builds the whole queryset; the page is sliced by rows()")
        self.compiler = query.get_compiler(connection=database)
        self.sql, params = self.compiler.as_sql()
        for name, stand_in in stand_ins.items():
            if str(stand_in) in self.sql:
                raise ValueError(f"{name} is written into the SQL, not passed as a parameter: it cannot be replaced")
        by_stand_in = {stand_in: name for name, stand_in in stand_ins.items()}
        # Each parameter: a constant of the query, or the name of the value that replaces it.
        self.params = [(by_stand_in.get(p), p) if type(p) in (int, str) else (None, p) for p in params]
        self.used = {name for name, _ in self.params if name is not None}
        # The row's names, as ValuesIterable gives them.
        self.names = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
        selected = [column[0] for column in self.compiler.select[: self.compiler.col_count]]
        self.converters = self.compiler.get_converters(selected)

    def run(self, values: dict, low: int, high: int) -> list[dict]:
        unused = [name for name, value in values.items() if value is not None and name not in self.used]
        if unused:  # the query would not be narrowed by it: never run it so
            raise ValueError(f"{', '.join(unused)}: given, but not a parameter of this query")
        params = []
        for name, constant in self.params:
            if name is None:
                params.append(constant)
            elif values[name] is None:
                raise ValueError(f"{name} is used by this query but given as None")
            else:
                params.append(values[name])
        sql = f"{self.sql} {self.database.ops.limit_offset_sql(low, high)}"
        with self.database.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        names = self.names
        return [dict(zip(names, row, strict=True)) for row in rows]


class Statement:
    """A statement the ORM builds and compiles once per shape, then sent again with other values:
    for a write so frequent that compiling it costs a noticeable share of running it (the
    auto-approval sweep's one statement: decision 0064). `build(shape, **values)` returns the
    statement's (sql, params); it is called once per shape with a stand-in for each value (an
    int or an aware datetime no real call passes), and each call after sends that SQL with the
    parameters equal to a stand-in replaced by the call's values. A stand-in written into the SQL
    as text, or found in no parameter, refuses the template: its value could not be replaced.
    PostgreSQL's statements (Django passes their datetimes as they are; SQLite's go as text)."""

    EPOCH = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)  # no time log is that old

    def __init__(self, build: Callable[..., tuple[str, list]]):
        self.build = build
        self._templates: dict = {}

    def sql(self, shape: Hashable, /, **values) -> tuple[str, list]:
        key = (shape, tuple(sorted(values)))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self._compile(shape, sorted(values), values)
        sql, params = template
        return sql, [values[name] if name is not None else param for name, param in params]

    def _compile(self, shape: Hashable, names: list[str], values: dict) -> tuple[str, list]:
        stand_ins = {name: self._stand_in(n, values[name]) for n, name in enumerate(names)}
        sql, params = self.build(shape, **stand_ins)
        by_stand_in = {(type(v), v): name for name, v in stand_ins.items()}
        named = [(by_stand_in.get((type(p), p)), p) for p in params]
        for name, stand_in in stand_ins.items():
            if str(stand_in) in sql or (isinstance(stand_in, datetime.datetime) and "1900-01-01" in sql):
                raise ValueError(f"{name} is written into the SQL, not passed as a parameter: it cannot be replaced")
            if all(used != name for used, _p in named):
                raise ValueError(f"{name}: given, but not a parameter of this statement")
        return sql, named

    @classmethod
    def _stand_in(cls, n: int, value):
        if isinstance(value, datetime.datetime):
            return cls.EPOCH + datetime.timedelta(seconds=n + 1)
        if isinstance(value, int) and not isinstance(value, bool):
            return Compiled.STAND_IN - n
        raise TypeError(f"Statement replaces ints and datetimes, not {type(value).__name__}")
