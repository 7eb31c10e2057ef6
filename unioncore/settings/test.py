"""The test suite: always the real PostgreSQL and Redis (SPEC §10)."""

from .base import *  # noqa: F403
from .base import env

DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/unioncore")}
MIGRATE_DATABASE_URL = ""  # the test database is made and migrated by the one role of DATABASE_URL
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
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
