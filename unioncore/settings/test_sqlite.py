"""The SQLite job (decision 0046): the suite on SQLite, the embedded database of `make run`
(`make test-sqlite`, part of `make test`): every test but those marked `postgresql_only` and
those of another process (conftest.py). The PostgreSQL-only speed paths — COPY, LOCK TABLE,
text-array parameters, the one-statement writes with history — have a portable path, tested
here. Redis as in the normal test settings.

The test database is SQLite's in-memory one (nothing left behind, no clash between two runs);
SQLITE_TEST_NAME names a file instead."""

from .test import *  # noqa: F403
from .test import BASE_DIR, env

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(BASE_DIR / "var" / "test-sqlite.sqlite3"),  # never opened: the tests use TEST's
        "TEST": {"NAME": env("SQLITE_TEST_NAME", default=None)},
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": 0,
    }
}
