# Two commands matter: `make run` (demo on SQLite, in-process tasks) and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install migrate lint format worker beat bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Seeds the 500-item benchmark product on the configured database (DATABASE_URL, else SQLite)
# and times the timeline page and the roadmap-items API against a bare view; see README.
bench: migrate
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python -m bench $(BENCH_ARGS)

# With REDIS_URL set, these run the real background workers.
worker: install
	$(BIN)/celery -A lodestar worker --loglevel=INFO

beat: install
	$(BIN)/celery -A lodestar beat --loglevel=INFO

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
