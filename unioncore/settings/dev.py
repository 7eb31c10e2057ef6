"""Local development: `make run`. SQLite and a file-system Celery transport unless
DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
