"""Helpers for the few hand-written PostgreSQL statements of the fast paths."""

import datetime
import json
from decimal import Decimal

from django.db import connection


def json_records(fields, rows) -> tuple[str, str]:
    """For `json_to_recordset(%s::json) AS v(<columns>)`: the column definitions of `fields`,
    and `rows` (tuples of their values, in that order) as the JSON parameter. One JSON text
    costs a tenth of the same values sent as one array per column (psycopg quotes each element
    of an array in Python). Timestamps keep their microseconds and time zone, decimals their
    digits: each column's type parses them back exactly."""
    quote = connection.ops.quote_name
    names = [f.column for f in fields]
    columns = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    data = json.dumps([dict(zip(names, row, strict=True)) for row in rows], default=_json_value)
    return columns, data


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not sent as JSON here")
