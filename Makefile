# OpenDMS: two commands. `make run` serves the demo dealership; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)

# The demo's and development's links in texts and QR codes point at the server they start, unless told
# otherwise (`make serve` is production's: it must be told, settings.py refuses to start without it).
run dev: export DMS_PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run dev test test-date test-dates test-sqlite test-postgres install build browser bench lint fmt worker serve messages clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet 'uv>=0.5'

install: $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)

# Everything the app needs that is built, not written: translation catalogues and static files.
build: install
	$(MANAGE) compile_catalogues
	$(MANAGE) collectstatic --noinput --verbosity 0

# The demo dealership as a store runs it: gunicorn (WORKERS processes, DEBUG off) and the task worker,
# on the embedded SQLite unless DATABASE_URL says otherwise. `make dev` serves it with Django's
# development server and debug pages instead.
run: build
	@mkdir -p var
	$(MANAGE) migrate --noinput --verbosity 0
	$(MANAGE) load_demo --if-empty
	@echo ""
	@echo "  OpenDMS is at http://$(HOST):$(PORT)/   (API docs: http://$(HOST):$(PORT)/api/v1/docs)"
	@echo "  Demo logins (password demo-pass-2026): sa1 foreman1 tech1 tech2 qc1 parts1 cashier1 care1 cm1 care2 cm2 sales1 showroom1 manager1 admin; sa9 in the other group"
	@echo ""
	$(MANAGE) ensure_promise_sweep --verbosity 0
	$(MANAGE) ensure_outbox_worker --verbosity 0
	$(MANAGE) ensure_touch_sweep --verbosity 0
	$(MANAGE) ensure_complaint_sweep --verbosity 0
	$(MANAGE) ensure_retention_sweep --verbosity 0
	@trap 'kill 0' EXIT; export DJANGO_DEBUG=0; $(MANAGE) run_worker --verbosity 0 & \
	  $(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) --timeout 60 --log-level warning

dev: build
	@mkdir -p var
	$(MANAGE) migrate --noinput --verbosity 0
	$(MANAGE) load_demo --if-empty
	$(MANAGE) ensure_promise_sweep --verbosity 0
	$(MANAGE) ensure_outbox_worker --verbosity 0
	$(MANAGE) ensure_touch_sweep --verbosity 0
	$(MANAGE) ensure_complaint_sweep --verbosity 0
	$(MANAGE) ensure_retention_sweep --verbosity 0
	@trap 'kill 0' EXIT; $(MANAGE) run_worker --verbosity 0 & $(MANAGE) runserver $(HOST):$(PORT) --noreload

# Production-style serving of an already built tree: gunicorn, one sync worker per core (WORKERS),
# each taking the next request from the shared socket when free; static files by WhiteNoise.
serve: build
	$(MANAGE) migrate --noinput
	$(VENV)/bin/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) --timeout 60 --access-logfile -

# The promise sweep is queued first (idempotent: one waits, however many workers start).
worker: install
	$(MANAGE) ensure_promise_sweep
	$(MANAGE) ensure_outbox_worker
	$(MANAGE) ensure_touch_sweep
	$(MANAGE) ensure_complaint_sweep
	$(MANAGE) ensure_retention_sweep
	$(MANAGE) run_worker

# Debian's Chromium drives the browser tests, poppler's pdftotext reads the printed documents' text;
# installed here when missing and we are root.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1 || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null) || echo "could not install chromium"; \
	  else echo "chromium or poppler-utils missing: browser and printed-text tests will be skipped (apt-get install chromium fonts-noto-cjk poppler-utils)"; fi; \
	fi

# With DATABASE_URL, two chains run side by side (one core each), each writing its logs under var/,
# all printed when both are done; every part at a hard day (DMS_TEST_TODAY, see conftest.py), so that
# the run does not depend on the calendar: the SQLite pass on the last day of a year (SQLITE_TEST_DAY),
# the PostgreSQL pass on a Sunday of the Spring Festival week (PG_TEST_DAY: holidays, weekends, the
# year's turn in the lunar calendar), and after each, one half of the date-sensitive tests on 29
# February (LEAP_TEST_DAY; on SQLite; the halves DATE_SENSITIVE_A and _B keep the two chains even).
# Browser tests and those that start other processes keep the real clock. Schemathesis fuzzes as the
# service advisor on SQLite and as the service manager on PostgreSQL (DMS_FUZZ_ROLES; both when one
# database runs alone, as `make test` without DATABASE_URL does, on today's date).
SQLITE_TEST_DAY ?= 2026-12-31
LEAP_TEST_DAY ?= 2028-02-29
PG_TEST_DAY ?= 2027-02-07
# The apps' floors first (import-linter contracts in pyproject.toml): a broken contract fails the run.
test: build browser
	$(VENV)/bin/lint-imports --no-cache
	@if [ -z "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory test-sqlite; else \
	  mkdir -p var; \
	  { DMS_TEST_TODAY=$(SQLITE_TEST_DAY) DMS_FUZZ_ROLES=advisor $(MAKE) --no-print-directory test-sqlite \
	      > var/test-sqlite.log 2>&1; r=$$?; \
	    $(MAKE) --no-print-directory test-date DAY=$(LEAP_TEST_DAY) DATE_SENSITIVE="$(DATE_SENSITIVE_A)" \
	      > var/test-date-a.log 2>&1 || r=1; \
	    exit $$r; } & sqlite=$$!; \
	  { DMS_TEST_TODAY=$(PG_TEST_DAY) DMS_FUZZ_ROLES=manager $(MAKE) --no-print-directory test-postgres \
	      PG_ONLY_ARGS='-m "not browser"' > var/test-postgres.log 2>&1; r=$$?; \
	    $(MAKE) --no-print-directory test-date DAY=$(LEAP_TEST_DAY) DATE_SENSITIVE="$(DATE_SENSITIVE_B)" \
	      > var/test-date-b.log 2>&1 || r=1; \
	    exit $$r; } & pg=$$!; \
	  wait $$sqlite; rs=$$?; wait $$pg; rp=$$?; \
	  cat var/test-sqlite.log var/test-date-a.log var/test-postgres.log var/test-date-b.log; \
	  echo "SQLite pass ($(SQLITE_TEST_DAY)) and half the date-sensitive tests ($(LEAP_TEST_DAY)): exit $$rs; PostgreSQL pass ($(PG_TEST_DAY)) and the other half: exit $$rp"; \
	  exit $$(( rs || rp )); \
	fi

# The slowest tests are listed at the end of each pass (--durations), to keep the suite's time in view.
test-sqlite:
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(VENV)/bin/pytest -q --durations=25 $(PYTEST_ARGS)

# Side by side with the SQLite pass (make test with DATABASE_URL), the browser journeys run once, in
# the SQLite pass (the embedded default that make run serves); everything else runs on both, here on
# the day DMS_TEST_TODAY says.
test-postgres:
	@echo "== test suite on PostgreSQL =="
	$(VENV)/bin/pytest -q --durations=25 $(PG_ONLY_ARGS) $(PYTEST_ARGS)

# The date-sensitive part of the suite (the apps whose rules count days: demo, scheduling, touch plans,
# complaint SLAs, sales grades and ageing, segmentation, warranty and 三包, promises, packages; not
# messaging's quiet hours or the portal's pages, which count hours and set their own clocks) at a hard
# day: `make test-date DAY=2027-10-01`, or `make test-dates` on each of TEST_DATES side by side (each
# log under var/). On SQLite, without the browser tests and those that keep the real clock.
TEST_DATES ?= 2027-02-07 2026-12-31 2028-02-29
DATE_SENSITIVE_A ?= dms/demo dms/workshop dms/customers
DATE_SENSITIVE_B ?= dms/vehicles dms/scheduling dms/followups dms/satisfaction dms/sales dms/packages
DATE_SENSITIVE ?= $(DATE_SENSITIVE_A) $(DATE_SENSITIVE_B)
test-date:
	@echo "== date-sensitive tests on $(DAY) =="
	env -u DATABASE_URL DMS_TEST_TODAY=$(DAY) $(VENV)/bin/pytest -q -m "not browser and not real_clock" $(DATE_SENSITIVE) $(PYTEST_ARGS)

test-dates: build
	@mkdir -p var; printf '%s\n' $(TEST_DATES) | xargs -P 3 -I{} sh -c \
	  '$(MAKE) --no-print-directory test-date DAY={} > var/test-{}.log 2>&1; rc=$$?; echo "== date-sensitive tests on {}: exit $$rc"; tail -n 1 var/test-{}.log; exit $$rc' \
	  || { for d in $(TEST_DATES); do grep -E "^(FAILED|ERROR)" var/test-$$d.log | sed "s/^/$$d /"; done; exit 1; }

bench: build
	$(PY) bench/run.py
	$(PY) bench/service_loop.py
	$(PY) bench/api_orders.py
	BENCH_ORDERS_SQLITE=1 $(PY) bench/api_orders.py
	$(PY) bench/touch_plans.py

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(MANAGE) makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'var/*' --ignore '.tools/*' --no-obsolete

clean:
	rm -rf var/static .pytest_cache
