# make run: install, migrate, demo data, serve.  make test: the whole suite.
# make loadtest, make fuzz, make bench: against the production setup on PostgreSQL + Redis (bench/).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate seed serve clean loadtest fuzz bench

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; run: make run PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

serve: install
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) callcenter.asgi:application

run: seed serve

test: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

# Concurrent bots run whole calls against several uvicorn workers; fails on any loss, duplicate or 5xx.
loadtest: install
	$(PY) bench/loadtest.py $(LOAD_ARGS)

# schemathesis over every operation of /swagger.json with a bot key, an owner's and an admin's JWT.
fuzz: install
	$(PY) bench/fuzz.py $(FUZZ_ARGS)

# The figures of issue 8 at 10,000 and 1,000,000 calls, each next to a floor, into bench/RESULTS.md.
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
