# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
SAM_VENV  ?= .venv-sam
CHECKOV_VENV ?= .venv-checkov
CHECKOV_VERSION := 3.3.30
PY        := $(VENV)/bin/python
# pyenv's python3.13 shim answers only with PYENV_VERSION set; try it first,
# then any Python 3.11+ on PATH (the code runs on both).
export PYENV_VERSION ?= 3.13.0
export SAM_CLI_TELEMETRY := 0
BASE_PY := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && PYENV_VERSION=$(PYENV_VERSION) $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	    command -v $$p; break; fi; done)

.PHONY: help install run test lint typecheck scan bench deploy clean

help:
	@echo "make run     start the local stack with demo data on http://127.0.0.1:$${PORT:-3000}"
	@echo "make test    lint the template, then run the whole test suite"
	@echo "make lint    ruff and mypy"
	@echo "make scan    security scans: checkov on the template, bandit on the code"
	@echo "make bench   cold-start imports, AWS calls per request, export throughput"
	@echo "make deploy  sam build && sam deploy --guided"

$(VENV)/.installed: pyproject.toml requirements-dev.txt layers/common/requirements.txt
	@test -n "$(BASE_PY)" || { echo "No Python 3.11+ found on PATH" >&2; exit 1; }
	test -x $(PY) || $(BASE_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# The SAM CLI pins its own boto3 and pulls awscrt, so it lives in a virtualenv of its own.
$(SAM_VENV)/.installed:
	@test -n "$(BASE_PY)" || { echo "No Python 3.11+ found on PATH" >&2; exit 1; }
	test -x $(SAM_VENV)/bin/python || $(BASE_PY) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==1.170.0
	touch $@

# checkov pins an older boto3 than the project's, so it too lives in a virtualenv of its own; the stamp
# names the version, so changing CHECKOV_VERSION installs it again.
$(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION):
	@test -n "$(BASE_PY)" || { echo "No Python 3.11+ found on PATH" >&2; exit 1; }
	test -x $(CHECKOV_VENV)/bin/python || $(BASE_PY) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet checkov==$(CHECKOV_VERSION)
	rm -f $(CHECKOV_VENV)/.installed-*
	touch $@

run: install
	$(PY) -m localrun

test: install $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(VENV)/bin/cfn-lint infra/template.yaml
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam validate --lint --template infra/template.yaml --region ca-central-1
	$(MAKE) --no-print-directory scan
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory typecheck
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory typecheck

# Every function's module is called `app`, so each is checked on its own.
typecheck: install
	$(VENV)/bin/mypy -p billing_portal -p localrun
	for f in functions/*/app.py; do $(VENV)/bin/mypy $$f || exit 1; done

# checkov: the template's CloudFormation checks and a secrets scan; every failed check fails the build, and
# a check that does not apply is skipped on its resource in the template, with the reason. --skip-download
# keeps it offline (no policy metadata from its vendor).
# bandit: the settings are in pyproject.toml; a finding that does not apply carries `# nosec B###` and why.
scan: install $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(CHECKOV_VENV)/bin/checkov --file infra/template.yaml --framework cloudformation secrets --quiet --compact --skip-download
	$(VENV)/bin/bandit --configfile pyproject.toml --quiet --recursive layers/common functions localrun bench

bench: install
	$(PY) -m bench

deploy: $(SAM_VENV)/.installed
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam build --template infra/template.yaml
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam deploy --guided

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
