"""Helpers for the few hand-written PostgreSQL statements of the fast paths."""

from contextlib import contextmanager
from decimal import Decimal

import orjson
import psycopg
from django.db import connection, models


def json_records(fields, rows) -> tuple[str, str]:
    """For `json_to_recordset(%s::json) AS v(<columns>)`: the column definitions of `fields`,
    and `rows` (tuples of their values, in that order) as the JSON parameter. One JSON text
    costs a tenth of the same values sent as one array per column (psycopg quotes each element
    of an array in Python), and orjson writes it in a tenth of json.dumps's time. Timestamps
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
    nothing is quoted in Python or parsed as text by the server (half the time of the same rows
    as one JSON text, which the client quotes into the statement and the server parses: decision
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
    is Python: a tenth of a millisecond per timestamp); timestamps are UTC. PostgreSQL only."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    if binary_rows:
        raw.format = psycopg.pq.Format.BINARY
    cursor = connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)
    try:
        yield cursor
    finally:
        raw.close()
