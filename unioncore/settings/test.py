"""The test suite: always the real PostgreSQL and Redis (SPEC §10)."""

import os
import re

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/unioncore")}
MIGRATE_DATABASE_URL = ""  # the test database is made and migrated by the one role of DATABASE_URL


def worker_redis_url(url: str, worker: str | None) -> str:
    """The Redis database of one pytest-xdist worker (gw0, gw1, …): REDIS_URL's database plus the
    worker's number. The workers must not share one: a throttle test empties its database
    (FLUSHDB), and a Celery worker that a test starts would take the other worker's tasks. A run
    with n workers therefore uses n databases from REDIS_URL's on (decision 0060)."""
    number = re.fullmatch(r"gw(\d+)", worker or "")
    if number is None:
        return url
    base, _, database = url.rstrip("/").rpartition("/")
    if not database.isdigit():  # no database named: Redis's 0
        base, database = url.rstrip("/"), "0"
    return f"{base}/{int(database) + int(number[1])}"


# Set by pytest-xdist in each worker before the settings load; inherited by the processes a test
# starts (a Celery worker, gunicorn on these settings), which so meet the same database.
REDIS_URL = worker_redis_url(
    env("REDIS_URL", default="redis://127.0.0.1:6379/0"), os.environ.get("PYTEST_XDIST_WORKER")
)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in production
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
SMS_BACKEND = "unioncore.notifications.sms.InMemorySmsBackend"
# WhiteNoise looks files up per request (no collected STATIC_ROOT in tests; the live server
# serves static files itself).
WHITENOISE_AUTOREFRESH = True
# The whole suite signs in from one address (127.0.0.1), hundreds of failed logins across test
# modules whose Redis counts are not all cleared between them: the per-address limits would
# refuse tests at random. Their own tests set the production values (unioncore/tests/test_login_throttle.py).
LOGIN_FAILURES_PER_ADDRESS = 100_000
LOGIN_LINK_REQUESTS_PER_ADDRESS = 100_000
