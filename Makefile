# Two commands for a fresh machine: `make run` (the demo) and `make test` (lint + whole suite, SQLite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/giftoffice_test
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/giftoffice_bench
# Written by `make run`, read by giftoffice/settings.py when GIFTOFFICE_SANDBOX_URL is unset.
SANDBOX_URL_FILE := .demo-sandbox-url

.PHONY: install run manage serve-prod test test-browser screenshots lint format test-postgres fuzz-schema bench bench-postgres load clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

# The demo: migrate, demo data in four languages, an admin login, the app + qcluster + sandbox.
run: export DEBUG = 1
run: export GIFTOFFICE_SANDBOX = 1
run: export GIFTOFFICE_SANDBOX_URL = http://$(HOST):$(PORT)/sandbox
# Pushed icon/image URLs and the API's name the demo's own host and port (partners get live links).
run: export PUBLIC_BASE_URL = http://$(HOST):$(PORT)
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py demo_setup
	@echo "$$GIFTOFFICE_SANDBOX_URL" > $(SANDBOX_URL_FILE)
	@echo "Serving http://$(HOST):$(PORT)/admin/ (Ctrl-C stops the web server and the qcluster)"
	@echo "Commands beside it, in another shell: make manage CMD='sync_offers --dry-run'"
	@trap 'rm -f $(SANDBOX_URL_FILE); kill 0' EXIT INT TERM; \
	$(PY) manage.py qcluster & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The production profile: gunicorn with threaded workers and bounded body reads (giftoffice/gunicorn.conf.py).
# Needs the production environment (SECRET_KEY, FIELD_ENCRYPTION_KEYS, DATABASE_URL, ...); static files
# are collected first so whitenoise serves them.
serve-prod: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input -v 0
	GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} $(VENV)/bin/gunicorn -c giftoffice/gunicorn.conf.py

# A management command beside `make run`, in the demo's environment: the sandbox on, and its URL read
# from the file `make run` wrote (so the demo's port, whatever it is).
manage: export DEBUG = 1
manage: export GIFTOFFICE_SANDBOX = 1
manage: $(STAMP)
	$(PY) manage.py $(CMD)

# ruff, then the architecture's import rules (import-linter contracts in pyproject.toml, docs/architecture.md).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The real-browser suite (tests/browser, marker `browser`) is left out here: `make test-browser` runs it.
test: lint
	@echo "make test: browser tests (tests/browser) left out; run them with: make test-browser"
	$(VENV)/bin/pytest -q -m "not browser"

# Debian's Chromium + chromedriver (apt-get install chromium chromium-driver); nothing is downloaded.
# On failure: a screenshot and the page's HTML per test in artifacts/browser/.
test-browser: $(STAMP)
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "make test-browser: installing Debian's chromium and chromium-driver"; \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null); \
		fi; \
		test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		{ echo "make test-browser: /usr/bin/chromium and /usr/bin/chromedriver are needed (apt-get install chromium chromium-driver)"; exit 1; }; }
	$(VENV)/bin/pytest -q -m "browser and not screenshots" tests/browser

# PNGs of the main admin pages in each language, for reviewers: artifacts/screenshots/.
screenshots: $(STAMP)
	$(VENV)/bin/pytest -q -m screenshots tests/browser
	@echo "Screenshots in $(CURDIR)/artifacts/screenshots/"

# Same suite on PostgreSQL, with Redis up (row locks, concurrency and the Redis broker run only here).
test-postgres: $(STAMP)
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(VENV)/bin/pytest -q -m "not browser"

# schemathesis against /external/schema/ on a live local gunicorn with a demo key (a few minutes at most;
# FUZZ_MAX_TIME seconds of fuzzing). Finds nothing, or CI fails. What it checks: docs/api.md.
fuzz-schema: $(STAMP)
	$(PY) tests/fuzz_schema.py

# On the database DATABASE_URL names (SQLite by default); each bench works in a throwaway database.
bench: $(STAMP)
	DEBUG=0 GIFTOFFICE_TESTING=1 $(PY) -m bench

bench-postgres: $(STAMP)
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_PG_URL)} DEBUG=0 GIFTOFFICE_TESTING=1 $(PY) -m bench

# A bounded load run (127.0.0.1 only) of the API under gunicorn on PostgreSQL, ours beside naive DRF.
load: $(STAMP)
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_PG_URL)} DEBUG=0 GIFTOFFICE_TESTING=1 $(PY) -m bench.load

clean:
	rm -rf $(VENV) .test-*.sqlite3* *.egg-info artifacts
