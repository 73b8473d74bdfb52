# CSP Casework. `make run` starts everything; `make test` passes the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
export DEMO_PASSWORD ?= demo-pass-2026

.PHONY: run test lint install install-dev migrate seed demo-reset clean check-prereqs assets screenshots

check-prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required: install python3 (3.11 or newer)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required: found $$($(PYTHON) --version)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "Python's venv module is missing: install python3-venv."; exit 1; }

# `make run` installs what running needs; `make test`, `make lint` and the other
# development targets add the development extras (pytest, linters, Playwright...).
$(STAMP): pyproject.toml | check-prereqs
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

# Front-end: GOV.UK Frontend, htmx, axe-core and sass from npm (package-lock.json), built
# into build/frontend/ for Django's staticfiles. `npm ci` runs again when the lock changes.
NPM_STAMP := node_modules/.csp-installed
FRONTEND := build/frontend/css/app.css

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is required: install Node.js and npm (for example apt-get install nodejs npm)."; exit 1; }
	npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

$(FRONTEND): $(NPM_STAMP) static/src/app.scss
	npm run --silent build

assets: $(FRONTEND)

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

# Starts fresh: every table in the database is dropped, then migrated and seeded again
# (manage.py demo_reset, which refuses unless DEBUG is on). Stop `make run` first.
demo-reset: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py demo_reset --yes
	rm -rf var/broker var/celerybeat-schedule*

# Ctrl-C is honcho's to handle (it stops every process and exits 130): the recipe's shell
# ignores it, and 130 counts as a clean stop, so make adds no "Error 130" line.
run: seed assets
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo --no-cases --demo-deadline
	@echo ""
	@echo "CSP Casework is starting on http://127.0.0.1:$${PORT:-8000}/  (admin: /admin/, health: /healthz, /readyz)"
	@echo "Demo logins (password: $(DEMO_PASSWORD)): officer, asb_coordinator, idva, social_worker, probation, caseworker, nurse, manager, auditor, outsider; admin site: admin"
	@echo "Admin site: admin (same password; no second factor while DEBUG is on, development only)"
	@echo "Database: $${DATABASE_URL:-SQLite var/csp.sqlite3}   Broker: $${CELERY_BROKER_URL:-filesystem var/broker (development only)}"
	@echo "Ctrl-C stops web, worker and beat."
	@echo ""
	@trap '' INT; PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEBUG=$${DEBUG:-true} $(VENV)/bin/honcho start -f Procfile -p $${PORT:-8000}; \
	  rc=$$?; [ $$rc -eq 130 ] || exit $$rc

test: install-dev assets
	$(PY) -m pytest -m "not faults" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports --no-cache

# Saves each main page, as the demo personas see it, to docs/screenshots/ (Chromium).
screenshots: install-dev assets
	CSP_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest -q tests/browser/test_screenshots.py

clean:
	rm -rf var/broker var/broker-test var/test.sqlite3 build/frontend

# Benchmarks (docs/performance.md): `make bench`, or `make bench QUICK=1` for a run under
# five minutes. Uses DATABASE_URL / CELERY_BROKER_URL when set (the database's name must
# contain "bench"), else PostgreSQL and RabbitMQ on 127.0.0.1 with database csp_bench.
.PHONY: bench
bench: install-dev
	$(PY) -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)

# Fault injection (tests/faults/, docs/performance.md): PostgreSQL cut away during an API
# burst, 50 concurrent transitions on one case, RabbitMQ away during a burst of transitions
# (through a TCP proxy: the broker itself is never stopped), the Celery worker killed with
# SIGKILL mid-burst. Needs PostgreSQL (DATABASE_URL) and RabbitMQ (CELERY_BROKER_URL); each
# scenario prints sent, committed or delivered, duplicated and lost. QUICK=1 is the
# variant CI runs (about 2 min); without it, the long variant (about 6.5 min).
.PHONY: faults
faults: install-dev
	FAULTS_LONG=$(if $(QUICK),,1) $(PY) -m pytest -m faults -s tests/faults $(PYTEST_ARGS)
