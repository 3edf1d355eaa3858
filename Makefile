# Rightsdesk — everyday commands. `make run` serves the demo, `make test` runs the tests.
# Both set up what they need first (Debian packages, the virtualenv, compiled messages).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
# Python 3.12 to build the venv with: python3.12 if on PATH, else pyenv's `python`
# (which .python-version pins to 3.12).
PYTHON      ?= $(shell command -v python3.12 2>/dev/null || echo python)
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
PG_URL      ?= postgres://postgres@127.0.0.1:5432/postgres
RUN_ADDR    ?= 127.0.0.1:8000

.PHONY: help system system-browser system-upgrade venv messages migrate demo run test test-pg \
        test-scale backup-restore-test lint format check-migrations check-deploy audit bench fuzz \
        clean distclean

help:
	@echo "make run               set up and serve the demo on http://$(RUN_ADDR)/ (worker + server)"
	@echo "make test              all tests on SQLite, browser tests included (PYTEST_ARGS=...)"
	@echo "make test-pg           the same on PostgreSQL (PG_URL=$(PG_URL))"
	@echo "make test-scale        scale-out test: 2 gunicorn + 2 Celery workers on PostgreSQL and Redis"
	@echo "make backup-restore-test  pg_dump a demo database, restore it into a new one, read it back"
	@echo "make lint              ruff check + ruff format --check"
	@echo "make format            ruff format + ruff check --fix"
	@echo "make check-migrations  fail if models and migrations disagree"
	@echo "make check-deploy      manage.py check --deploy with the production settings"
	@echo "make audit             known vulnerabilities (Debian packages, pip-audit) and bandit"
	@echo "make system-upgrade    install pending security updates of the runtime's Debian packages"
	@echo "make demo              migrate and load the demo data"
	@echo "make bench [NAME=...]  run bench/run.py"
	@echo "make fuzz [FUZZ_SECONDS=600]  Atheris on the upload checks, each harness in turn (fuzz/)"
	@echo "make system[-browser]  install missing Debian packages (chromium with -browser)"
	@echo "make venv | messages | migrate | clean | distclean"

# --- setup ------------------------------------------------------------------------------

system:
	@bash scripts/setup-system.sh

system-browser:
	@bash scripts/setup-system.sh --browser

system-upgrade: system
	@$(PYTHON) scripts/system-audit.py --fix

$(PY):
	$(PYTHON) -m venv $(VENV)

# Only the dependencies are installed (the project is not a package: `packages = []`);
# they are reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml scripts/pyproject-deps.py | $(PY)
	$(PY) scripts/pyproject-deps.py dev > $(VENV)/requirements.txt
	$(PY) -m pip install -q --disable-pip-version-check -r $(VENV)/requirements.txt
	@touch $@

venv: $(STAMP)

# .mo files are built, not committed; compilemessages skips .po files that are up to date.
messages: system venv
	@$(PY) manage.py compilemessages --ignore=$(VENV) -v 0

migrate: venv
	$(PY) manage.py migrate --no-input

demo: migrate messages
	$(PY) manage.py seed_demo

run: system messages demo
	@RUN_ADDR=$(RUN_ADDR) bash scripts/run.sh

# --- checks -----------------------------------------------------------------------------

# tests/ops ask Redis (db 7) for the Celery broker's health.
test: system-browser venv messages
	@bash scripts/ensure-redis.sh
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-pg: system-browser venv messages
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-redis.sh
	DATABASE_URL=$(PG_URL) $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Two gunicorn servers and two Celery workers on loopback against the machine's PostgreSQL
# (database rd_scale) and Redis (db 7): tests/scale (marker `scale`, left out of `make test`).
test-scale: venv messages
	@bash scripts/ensure-postgres.sh
	@bash scripts/ensure-redis.sh
	$(PY) -m pytest -n 0 -m scale tests/scale -v

# A real backup and restore: scripts/backup-restore-test.sh (README "Backups and restore").
backup-restore-test: venv messages
	@bash scripts/ensure-postgres.sh
	bash scripts/backup-restore-test.sh

lint: venv
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: venv
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

check-migrations: venv
	$(PY) manage.py makemigrations --check --dry-run

# Production settings need their secrets and hosts from the environment; the check gets
# throwaway ones unless the environment gives real ones. Without RIGHTSDESK_CLAMD (the virus
# scanner) the check warns (documents.W002), so it gets Debian's clamd socket by default.
check-deploy: venv
	DJANGO_SETTINGS_MODULE=config.settings_production \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	RIGHTSDESK_FIELD_KEY="$${RIGHTSDESK_FIELD_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	RIGHTSDESK_LOOKUP_KEY="$${RIGHTSDESK_LOOKUP_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	RIGHTSDESK_AUDIT_KEY="$${RIGHTSDESK_AUDIT_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-rightsdesk.example.org}" \
	RIGHTSDESK_SMTP_HOST="$${RIGHTSDESK_SMTP_HOST:-smtp.example.org}" \
	RIGHTSDESK_CLAMD="$${RIGHTSDESK_CLAMD:-unix:///run/clamav/clamd.ctl}" \
	$(PY) manage.py check --deploy --fail-level WARNING

# pip-audit: the project's resolved requirements (pinned from this environment) against PyPI's
# advisory data; an ignore needs `--ignore-vuln ID` here with a comment saying why.
# bandit: bandit.toml lists each skipped rule with its reason.
# system-audit: the runtime's Debian packages and their dependencies against Debian's security
# suite (ops/system-audit-ignore.toml defers an update with a ticket and an expiry date);
# `make system-upgrade` installs those updates.
audit: venv
	$(PY) scripts/system-audit.py
	$(PY) scripts/resolved-requirements.py dev > $(VENV)/resolved-requirements.txt
	$(PY) scripts/pip-audit.py --progress-spinner off --no-deps --disable-pip \
		-r $(VENV)/resolved-requirements.txt
	$(PY) -m bandit -q -c bandit.toml -r .

bench: venv messages
	$(PY) bench/run.py $(if $(NAME),--name $(NAME)) $(if $(CASES),--cases $(CASES))

# Coverage-guided fuzzing (Atheris) of the upload checks, the image re-encoder and the Office
# metadata stripper, one harness after the other at the lowest priority: fuzz/README.md. Each
# runs in a session of its own whose scheduling group is niced too: with the kernel's
# autogroups, a plain `nice` only yields to processes of the same session, and a fuzzer started
# from a shell took half the machine from a gunicorn started in another. The
# nightly run: FUZZ_SECONDS per harness. The seeds are made by fuzz/seeds.py, the corpus grows
# in fuzz/corpus/, logs go to fuzz/logs/, crashers and hangs to fuzz/crashers/ (fails the run).
FUZZ_SECONDS   ?= 600
FUZZ_HARNESSES ?= upload image office
fuzz: venv
	$(PY) fuzz/seeds.py
	@mkdir -p fuzz/logs fuzz/crashers; status=0; \
	for h in $(FUZZ_HARNESSES); do \
		mkdir -p fuzz/corpus/$$h; \
		echo "fuzz: $$h for $(FUZZ_SECONDS) s (log: fuzz/logs/$$h.log)"; \
		setsid --wait sh -c 'echo 19 > /proc/self/autogroup 2>/dev/null; exec nice -n 19 "$$@"' fuzz \
			$(PY) fuzz/run.py $$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			fuzz/corpus/$$h fuzz/seeds/$$h > fuzz/logs/$$h.log 2>&1 || status=1; \
		grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|DONE|==ERROR|Test unit written' \
			fuzz/logs/$$h.log || true; \
	done; \
	exit $$status

# --- cleaning ---------------------------------------------------------------------------

# Keeps var/ (database, uploaded files, per-installation secrets) and the venv.
clean:
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .pytest_cache -o -name .ruff_cache \) -type d -print0 | xargs -0 rm -rf
	find . -path ./$(VENV) -prune -o -name '*.mo' -type f -print0 | xargs -0 rm -f
	rm -rf test-artifacts

distclean: clean
	rm -rf $(VENV)
