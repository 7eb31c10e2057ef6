#!/usr/bin/env bash
# `make run`: migrate, load the demo data, start a Celery worker with beat, then the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-unioncore.settings.dev}"
BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

mkdir -p var/celery/queue var/celery/processed var/celery/results
$BIN/python manage.py migrate --noinput
$BIN/python manage.py seed_demo | tee var/demo-logins.txt

$BIN/celery -A unioncore worker --beat --loglevel=INFO --concurrency=2 \
    --schedule=var/celerybeat-schedule >var/celery.log 2>&1 &
CELERY_PID=$!
trap 'kill "$CELERY_PID" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

UnionCore is starting.
  Staff console: http://$HOST:$PORT/admin/
  Database:      ${DATABASE_URL:-SQLite file var/unioncore.sqlite3}
  Celery:        ${REDIS_URL:-file-system transport in var/celery} (worker + beat, log in var/celery.log)
  Demo logins:   above, and in var/demo-logins.txt
Press Ctrl-C to stop.

MSG
$BIN/python manage.py runserver "$HOST:$PORT"
