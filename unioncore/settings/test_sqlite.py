"""The tests marked `sqlite` on SQLite, the embedded database of `make run` (issue 17): every
import kind must work there too (the PostgreSQL-only speed paths — COPY, LOCK TABLE, text-array
parameters — have a portable path, and that path is tested here). Redis as in the normal test
settings. `make test` runs `pytest -m sqlite --ds=unioncore.settings.test_sqlite` after the
PostgreSQL run.

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
