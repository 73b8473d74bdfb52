# CSP Casework. `make run` starts everything; `make test` passes the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DEMO_PASSWORD ?= demo-pass-2026

.PHONY: run test lint install migrate seed clean check-prereqs

check-prereqs:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is required: install python3 (3.11 or newer)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required: found $$($(PYTHON) --version)."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { echo "Python's venv module is missing: install python3-venv."; exit 1; }

$(STAMP): pyproject.toml | check-prereqs
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

run: seed
	@echo ""
	@echo "CSP Casework is starting on http://127.0.0.1:$${PORT:-8000}/  (admin: /admin/, health: /healthz, /readyz)"
	@echo "Demo logins (password: $(DEMO_PASSWORD)): officer, asb_coordinator, idva, probation, caseworker, manager, auditor, outsider"
	@echo "Database: $${DATABASE_URL:-SQLite var/csp.sqlite3}   Broker: $${CELERY_BROKER_URL:-filesystem var/broker (development only)}"
	@echo "Ctrl-C stops web, worker and beat."
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" DEBUG=$${DEBUG:-true} $(VENV)/bin/honcho start -f Procfile -p $${PORT:-8000}

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy .

clean:
	rm -rf var/broker var/broker-test var/test.sqlite3

# Benchmarks (docs/performance.md): `make bench`, or `make bench QUICK=1` for a run under
# five minutes. Uses DATABASE_URL / CELERY_BROKER_URL when set (the database's name must
# contain "bench"), else PostgreSQL and RabbitMQ on 127.0.0.1 with database csp_bench.
.PHONY: bench
bench: install
	$(PY) -m bench $(if $(QUICK),--quick) $(BENCH_ARGS)
