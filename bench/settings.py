"""Settings of the gunicorn server that bench/api_throughput.py starts: the test settings (the
real PostgreSQL and Redis named by DATABASE_URL / REDIS_URL, DEBUG off, the production
throttles) with a URLconf that adds the benchmark's bare baseline view to the project's URLs.
BENCH_ROOT_URLCONF chooses another URLconf. Never used outside the benchmarks."""

from unioncore.settings.test import *  # noqa: F403
from unioncore.settings.test import env

ROOT_URLCONF = env("BENCH_ROOT_URLCONF", default="bench.api_urls")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
