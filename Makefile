# UnionCore — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
## The suite runs in WORKERS pytest-xdist processes (decision 0060): each has its own test database
## (test_<name>_gw0, _gw1, …) and Redis database (REDIS_URL's number plus its own, so a run with n
## workers uses n Redis databases from REDIS_URL's on). Tests go out in the collected order (--dist
## load), so each worker still runs the transactional tests last. WORKERS=0: one process, no xdist.
WORKERS ?= 2
PYTEST  := $(BIN)/pytest -n $(WORKERS) --dist load

.PHONY: run test test-postgresql test-sqlite test-shifted lint format migrate seed bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

## Set up everything (venv, database, demo data) and start web + Celery worker + beat.
run: $(STAMP)
	./scripts/run.sh

## ruff, then the whole pytest suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL), then the
## SQLite job: the suite again on SQLite, the embedded database of `make run` (decision 0046).
test: test-postgresql test-sqlite

test-postgresql: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTEST)

## Every service, portal, API, admin, report and import test on SQLite (in memory; Redis as
## usual): all but the tests marked `postgresql_only` (skipped, each with its reason) and those
## that need another process (browser, `real_clock`). SQLITE_REDIS_URL: Redis databases of its
## own (WORKERS of them from its number on) when it runs beside another run (.ci/run).
test-sqlite: $(STAMP)
	$(if $(SQLITE_REDIS_URL),REDIS_URL='$(SQLITE_REDIS_URL)') $(PYTEST) --ds=unioncore.settings.test_sqlite

## The suite once more with the clock moved (UC_TEST_CLOCK, read by conftest.py) to 23:00 Pacific
## on Dec 31 of next year — already Jan 1 in UTC — or to CLOCK=<moment with its UTC offset> | +Nd.
## Leaves out the tests that need another process's clock (browser, gunicorn, Celery worker).
CLOCK ?= $(shell echo $$(( $$(date -u +%Y) + 1 )))-12-31T23:00:00-08:00
test-shifted: $(STAMP)
	UC_TEST_CLOCK='$(CLOCK)' $(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks in their own database (unioncore_bench): all, or one with NAME=referral_positions;
## SIZE=n overrides the data size. Prints measured vs baseline, ratio, PASS/FAIL; JSON in bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench $(NAME) $(if $(SIZE),--size $(SIZE))

migrate: $(STAMP)
	$(BIN)/python manage.py migrate

seed: $(STAMP)
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf $(VENV) var/celery var/celerybeat-schedule*
