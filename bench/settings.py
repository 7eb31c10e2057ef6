"""Settings of the gunicorn server that bench/api_throughput.py starts: the test settings (the
real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL, DEBUG off, the production
throttles), connections kept and static files found as in production, and a URLconf that adds
the benchmark's bare baseline view to the project's URLs. BENCH_ROOT_URLCONF chooses another
URLconf. Never used outside the benchmarks."""

from unioncore.settings import base
from unioncore.settings.test import *  # noqa: F403
from unioncore.settings.test import DATABASES, env

ROOT_URLCONF = env("BENCH_ROOT_URLCONF", default="bench.api_urls")
DEBUG = False
# As in production: connections kept between requests, static files found once at start.
DATABASES["default"]["CONN_MAX_AGE"] = base.DATABASES["default"]["CONN_MAX_AGE"]
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
WHITENOISE_AUTOREFRESH = False
WHITENOISE_USE_FINDERS = True  # the app directories, found once at start (production collects them)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
