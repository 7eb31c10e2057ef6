"""Writing many new rows fast, with their history rows: `COPY` into the table and into its
simple-history table, in the import's transaction (decision 0020). On other databases (the
SQLite of `make run`) the same rows go by `bulk_create`, `_create_with_history` below.

This is what simple-history's `bulk_create_with_history` writes — each new row and one "+"
history row naming the acting user and the change reason — without building a model instance
and an INSERT parameter per value: at 200,000 rows that path spends minutes in Python, `COPY`
seconds. Ids come from the table's own sequence (one query for all of them), so they never
collide with rows other sessions insert meanwhile. Rows are given column by column (attname →
one value per row), already checked by the kind's plan (the database's constraints stay the
last line); a field left out takes the model's default (`auto_now`/`auto_now_add` and callable
defaults: the same moment for every row). No model signal is sent: none is connected to the
imported models.

The rows go as COPY's text format, written here: each distinct value of a column is turned into
text once (a history repeats its dates, members, employers and wage rates), a row is its
columns joined by tabs, and the history row reuses the row's text. psycopg's `write_row` adapts
every value of every row, which cost as much as the rest of the import."""

import datetime
import itertools
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from unioncore.imports.base import CHANGE_REASON

REPORT_EVERY = 1000  # rows between two progress callbacks (and rows per COPY write)
NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def copy_text(value) -> str:
    """A value as COPY's text format writes it."""
    if value is None:
        return NULL
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("A text value holds a NUL character, which PostgreSQL cannot store.")
        return value.translate(_ESCAPES)
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, _Required):
        raise ValueError(f"No value for {value.name}, which has no default.")
    raise TypeError(f"No COPY text for {type(value).__name__} {value!r}.")


class _Texts(dict):
    """value -> its COPY text, once per distinct value of a column."""

    def __missing__(self, value):
        text = self[value] = copy_text(value)
        return text


def _column_text(values: Sequence) -> list[str]:
    return list(map(_Texts().__getitem__, values))


def _default(field: models.Field, now):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.has_default():
        default = field.default
        return now if default is timezone.now else field.get_default()
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return _Required(field.name)


class _Required:
    """A value no row gave for a field without a default: writing it fails, loudly."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<no value for {self.name}>"


def _fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def allocate_ids(model, n: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [f'"{table}"', n]
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], texts: list, n: int, tick=None) -> None:
    """COPY n rows into `table`: `texts` holds, per column, its n texts or one text for all."""
    # Neighbouring constant columns are joined once; each row joins what varies.
    parts: list = []
    for text in texts:
        if isinstance(text, str) and parts and isinstance(parts[-1], str):
            parts[-1] = f"{parts[-1]}\t{text}"
        else:
            parts.append(text)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for start in range(0, n, REPORT_EVERY):
            size = min(REPORT_EVERY, n - start)
            chunk = [itertools.repeat(p, size) if isinstance(p, str) else p[start : start + size] for p in parts]
            copy.write("\n".join(map("\t".join, zip(*chunk, strict=True))) + "\n")
            if tick is not None:
                tick(size)


def copy_with_history(
    model, columns: dict[str, Sequence], *, by, constants: dict | None = None, reason: str = CHANGE_REASON, tick=None
) -> list[int]:
    """Insert rows into `model`'s table and one "+" history row each (user `by`, `reason`).
    `columns` maps attnames to one value per row (all as long); `constants` gives one value for
    every row; other fields take their defaults. Returns the new ids, in row order. `tick(n)`
    reports progress."""
    n = len(next(iter(columns.values()))) if columns else 0
    if any(len(values) != n for values in columns.values()):
        raise ValueError("Every column needs one value per row.")
    if not n:
        return []
    now = timezone.now()
    fields = _fields(model)
    known = {f.attname for f in fields}
    unknown = (set(columns) | set(constants or ())) - known
    if unknown:
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}.")
    if connection.vendor != "postgresql":
        return _create_with_history(model, columns, n, by=by, constants=constants, reason=reason, now=now, tick=tick)
    ids = allocate_ids(model, n)
    texts: dict[str, object] = {}
    for field in fields:
        name = field.attname
        if name == "id":
            texts[name] = list(map(str, ids))
        elif name in columns:
            texts[name] = _column_text(columns[name])
        else:
            texts[name] = copy_text((constants or {}).get(name, _default(field, now)))
    _copy(model._meta.db_table, [f.column for f in fields], list(texts.values()), n, tick)

    history = model.history.model
    tracked = [f for f in _fields(history) if f.attname in texts]
    extra = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": getattr(by, "pk", None),
    }
    _copy(
        history._meta.db_table,
        [f.column for f in tracked] + list(extra),
        [texts[f.attname] for f in tracked] + [copy_text(v) for v in extra.values()],
        n,
    )
    return ids


PORTABLE_BATCH = 500  # rows per INSERT on other databases (SQLite's variables per statement)


def _create_with_history(model, columns: dict, n: int, *, by, constants, reason: str, now, tick) -> list[int]:
    """`copy_with_history` on a database without COPY or sequences (the SQLite of `make run`):
    the same rows and "+" history rows, by `bulk_create` (ids returned by the INSERT)."""
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotImplementedError(f"{connection.vendor} cannot return the ids of a bulk insert.")
    fields = _fields(model)
    fixed = {
        f.attname: (constants or {}).get(f.attname, _default(f, now))
        for f in fields
        if f.attname not in columns and f.attname != "id"
    }
    for value in fixed.values():
        if isinstance(value, _Required):
            raise ValueError(f"No value for {value.name}, which has no default.")
    names = list(columns)
    rows = [model(**fixed, **dict(zip(names, values, strict=True))) for values in zip(*columns.values(), strict=True)]
    history = model.history.model
    tracked = [f.attname for f in _fields(history) if f.attname in {g.attname for g in fields}]
    user_id = getattr(by, "pk", None)
    for start in range(0, n, PORTABLE_BATCH):
        batch = model.objects.bulk_create(rows[start : start + PORTABLE_BATCH])
        history.objects.bulk_create(
            [
                history(
                    **{name: getattr(row, name) for name in tracked},
                    history_date=now,
                    history_change_reason=reason,
                    history_type="+",
                    history_user_id=user_id,
                )
                for row in batch
            ]
        )
        if tick is not None:
            tick(len(batch))
    return [row.pk for row in rows]


def insert_with_history(model, rows: list[dict], *, by, reason: str = CHANGE_REASON, tick=None) -> list[int]:
    """`copy_with_history` of rows given as dicts (attname → value); sets each row's "id".
    A field missing from a row takes its default; a key that is no field is left out."""
    if not rows:
        return []
    now = timezone.now()
    defaults = {f.attname: _default(f, now) for f in _fields(model)}
    names = [name for name in dict.fromkeys(name for row in rows for name in row) if name in defaults and name != "id"]
    columns = {name: [row.get(name, defaults.get(name)) for row in rows] for name in names}
    ids = copy_with_history(model, columns, by=by, reason=reason, tick=tick)
    for row, pk in zip(rows, ids, strict=True):
        row["id"] = pk
    return ids
