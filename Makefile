# UnionCore — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format migrate seed bench clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $(STAMP)

## Set up everything (venv, database, demo data) and start web + Celery worker + beat.
run: $(STAMP)
	./scripts/run.sh

## ruff, then the whole pytest suite on PostgreSQL and Redis (DATABASE_URL / REDIS_URL), then the
## tests marked `sqlite` again on SQLite, the embedded database of `make run` (every import kind).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest
	$(BIN)/pytest -m sqlite --ds=unioncore.settings.test_sqlite

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
