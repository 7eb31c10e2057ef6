"""The suite in pytest-xdist workers (decision 0060): each worker has its own test database and its
own Redis database. Two workers sharing one Redis database would empty each other's (a throttle
test's FLUSHDB) and a Celery worker started by one test would take the other worker's tasks."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from unioncore.settings.test import worker_redis_url


@pytest.mark.parametrize(
    ("url", "worker", "expected"),
    [
        ("redis://127.0.0.1:6379/10", None, "redis://127.0.0.1:6379/10"),  # no xdist: REDIS_URL as given
        ("redis://127.0.0.1:6379/10", "gw0", "redis://127.0.0.1:6379/10"),
        ("redis://127.0.0.1:6379/10", "gw1", "redis://127.0.0.1:6379/11"),
        ("redis://127.0.0.1:6379/0", "gw3", "redis://127.0.0.1:6379/3"),
        ("redis://127.0.0.1:6379", "gw1", "redis://127.0.0.1:6379/1"),  # no database named: Redis's 0
        ("redis://127.0.0.1:6379/", "gw2", "redis://127.0.0.1:6379/2"),
    ],
)
def test_each_worker_counts_its_redis_database_on_from_redis_urls(url, worker, expected):
    assert worker_redis_url(url, worker) == expected


def test_this_worker_talks_to_its_own_redis_and_test_databases(db):
    """In the running suite: the cache, the Celery broker and the test database are this worker's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    redis = worker_redis_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), worker)
    assert settings.CACHES["default"]["LOCATION"] == redis
    assert redis == settings.CELERY_BROKER_URL
    assert cache._cache.get_client().connection_pool.connection_kwargs["db"] == int(redis.rsplit("/", 1)[1])
    if worker and connection.vendor == "postgresql":
        assert connection.settings_dict["NAME"].endswith(f"_{worker}")
