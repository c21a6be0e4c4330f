# The two commands that matter: `make run` (the embedded demo) and `make test` (the suite).
# Everything else here is plumbing for those two. See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MANAGE := $(VPY) manage.py
PYTEST_ARGS ?=

# `make run` is the embedded demo: a SQLite file in var/ and jobs run inline. A DATABASE_URL or
# REDIS_URL exported in your shell (say, for production work) is ignored here on purpose, so the
# demo never loads itself into a real database. To run against a service deliberately, give it on
# the make command line: `make run DATABASE_URL=postgres://... REDIS_URL=redis://...`.
# The demo shows the directive's moment: the portal's "today" is 25/7/2023, between the pilot's
# two deadlines (20/7 and 30/7), so pages open on the first six months of 2023. Only the date
# moves (kpi_portal/clock.py); `make run DEMO_TODAY=` runs on the real date.
DEMO_TODAY ?= 2023-07-25
RUN_ENV := env -u DATABASE_URL -u REDIS_URL PORTAL_TODAY=$(DEMO_TODAY)
ifeq ($(origin DATABASE_URL),command line)
RUN_ENV += DATABASE_URL=$(DATABASE_URL)
endif
ifeq ($(origin REDIS_URL),command line)
RUN_ENV += REDIS_URL=$(REDIS_URL)
endif
IGNORED_ENV := $(strip $(foreach v,DATABASE_URL REDIS_URL,$(if $(filter environment,$(origin $(v))),$(v))))

.PHONY: help run test lint format messages bench clean distclean venv

help:
	@echo "make run        set up, load the Quảng Trị demo and serve on http://127.0.0.1:8000"
	@echo "make test       run the test suite (PostgreSQL and Redis when they answer, else SQLite)"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make format     ruff format + ruff check --fix"
	@echo "make messages   refresh locale/en (needs gettext); translate the new msgids, then run it again"
	@echo "make bench      import benchmark on PostgreSQL (minutes; writes bench/out/)"
	@echo "make clean      remove caches and collected static files (keeps .venv and var/)"
	@echo "make distclean  clean, and also remove .venv and var/ (the demo database and uploads)"

# --- Interpreter and virtual environment --------------------------------------------------------
# Django 6.1 needs Python >= 3.12. Debian's python3 may be older, so try, in order: $(PYTHON) if
# given, python3.14/3.13/3.12/python3 on PATH, then pyenv's installed 3.12+ versions, newest first.
# A candidate counts only if it runs (pyenv shims exist for versions that are not selected).
$(VPY):
	@set -eu; \
	ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
	py=""; \
	if [ -n "$(PYTHON)" ]; then \
	  ok "$(PYTHON)" || { echo "PYTHON=$(PYTHON) is not a Python >= 3.12 that runs." >&2; exit 1; }; \
	  py="$(PYTHON)"; \
	else \
	  for c in python3.14 python3.13 python3.12 python3 \
	      $$(ls -d $${HOME:-/root}/.pyenv/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	    if command -v "$$c" >/dev/null 2>&1 && ok "$$c"; then py="$$c"; break; fi; \
	  done; \
	fi; \
	if [ -z "$$py" ]; then \
	  echo "No Python >= 3.12 found (Django 6.1 needs it). Tried python3.14, python3.13," >&2; \
	  echo "python3.12, python3 on PATH and ~/.pyenv/versions/3.12+. Install one, or point" >&2; \
	  echo "to it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.12" >&2; \
	  exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py ($$("$$py" -c 'import sys; print(sys.version.split()[0])'))"; \
	"$$py" -m venv $(VENV)

# Reinstall only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml | $(VPY)
	@$(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "$(VENV) uses Python $$($(VPY) -V 2>&1); 3.12+ is needed: run 'make distclean' first." >&2; \
	  exit 1; }
	$(VPY) -m pip install --disable-pip-version-check -q -e ".[dev]"
	@touch $(STAMP)

venv: $(STAMP)

# --- The embedded demo --------------------------------------------------------------------------
run: $(STAMP)
	@$(if $(IGNORED_ENV),echo "make run: ignoring $(IGNORED_ENV) from your environment (the demo runs \
	on var/db.sqlite3 with inline jobs); give it on the command line to use it: make run $(word 1,$(IGNORED_ENV))=...")
	@mkdir -p var
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) load_demo
	@if $(RUN_ENV) $(MANAGE) help compute_kpis >/dev/null 2>&1; then \
	  echo "$(RUN_ENV) $(MANAGE) compute_kpis"; $(RUN_ENV) $(MANAGE) compute_kpis; \
	else echo "compute_kpis is not available yet: skipping the KPI computation"; fi
	$(RUN_ENV) $(MANAGE) collectstatic --noinput -v 0
	@echo
	@echo "KPI portal on http://127.0.0.1:8000  (Ctrl+C to stop; data stays in var/)"
	@$(if $(DEMO_TODAY),echo "The portal's today is $(DEMO_TODAY) (the directive's moment); make run DEMO_TODAY= for the real date")
	@echo "Demo logins, password 'demo' for all:"
	@echo "  vanphong  Văn phòng UBND tỉnh (province office: every agency, imports, targets)"
	@echo "  noivu     Sở Nội vụ (Home Affairs: rankings and scores, read-only)"
	@echo "  so-tnmt   Sở Tài nguyên và Môi trường (a department head: own agency only)"
	@echo "  hailang   UBND huyện Hải Lăng (a district chairman: the district and its communes)"
	@echo "  khach     a user with no role (sees a page saying so)"
	@echo "Django admin: http://127.0.0.1:8000/admin/  login admin / demo"
	@echo
	$(RUN_ENV) $(MANAGE) runserver 127.0.0.1:8000

# --- Tests and lint -----------------------------------------------------------------------------
# tests/services.py picks PostgreSQL/Redis when they answer (or errors under REQUIRE_SERVICES=1),
# says which, then runs pytest. Pytest's exit 5 (no test ran) is a failure here.
test: $(STAMP)
	@rc=0; $(VPY) tests/services.py $(VPY) -m pytest -p no:cacheprovider $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest ran no test (exit 5): treated as a failure" >&2; fi; \
	exit $$rc

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The English catalogue: both django.po and the compiled django.mo are committed, so neither CI
# nor `make run` needs gettext. Only someone changing user-facing text runs this.
messages: $(STAMP)
	$(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=bench --ignore=tests \
		--ignore=staticfiles --ignore=var
	$(MANAGE) compilemessages --ignore=.venv

# --- Benchmark ----------------------------------------------------------------------------------
# Needs PostgreSQL on 127.0.0.1:5432; drops and recreates the database kpi_bench. BENCH_ARGS e.g.
# "--rows 100000 --xlsx-rows 10000" for a quick run.
BENCH_ARGS ?=
bench: $(STAMP)
	$(VPY) bench/bench_import.py $(BENCH_ARGS)

# --- Cleaning -----------------------------------------------------------------------------------
clean:
	rm -rf staticfiles bench/out .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var *.egg-info
