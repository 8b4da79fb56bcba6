# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      ?= .venv
SAM_VENV  ?= .venv-sam
CHECKOV_VENV ?= .venv-checkov
CHECKOV_VERSION := 3.3.30
# The built functions are imported with the Lambda runtime's Python and only the boto3 it provides. AWS does
# not publish which boto3 the python3.13 runtime carries (it varies by region and runtime update), so this
# pins the project's own boto3, the newest the code is tested with, and its botocore of the same number, as
# the runtime pairs them.
RUNTIME_VENV ?= .venv-runtime
RUNTIME_BOTO3 := $(shell sed -n 's/^boto3==//p' requirements-dev.txt)
PY        := $(VENV)/bin/python
# pyenv's python3.13 shim answers only with PYENV_VERSION set; try it first,
# then any Python 3.11+ on PATH (the code runs on both).
export PYENV_VERSION ?= 3.13.0
export SAM_CLI_TELEMETRY := 0
BASE_PY := $(shell for p in python3.13 python3.12 python3.11 python3; do \
	  if command -v $$p >/dev/null 2>&1 && PYENV_VERSION=$(PYENV_VERSION) $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	    command -v $$p; break; fi; done)
# `sam build` for the python3.13 runtime, without a container, needs a python3.13 on PATH.
LAMBDA_PY := $(shell for p in python3.13 python3; do \
	  if command -v $$p >/dev/null 2>&1 && PYENV_VERSION=$(PYENV_VERSION) $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
	    command -v $$p; break; fi; done)
# `make test` builds for this machine, so that the built functions (and their layer's compiled wheels, such as
# pydantic-core) can be imported here; `make build ARCHITECTURE=arm64` builds what is deployed by default.
ARCHITECTURE ?= $(patsubst aarch64,arm64,$(patsubst amd64,x86_64,$(shell uname -m)))

.PHONY: help install catalogues chromium web run build test lint typecheck scan bench openapi deploy clean

help:
	@echo "make run     build the customer portal if needed, then start it and the API, with demo data, on"
	@echo "             http://127.0.0.1:$${PORT:-3000}/"
	@echo "make test    lint the template, build it and the portal, check the portal, run the whole test suite"
	@echo "make web     build the customer portal (web/ to web/dist): npm ci when the lock file changed"
	@echo "make build   sam build for this machine's architecture (the tests import every built function)"
	@echo "make openapi write docs/openapi.json, the API's reference, from the code"
	@echo "make catalogues  compile the message catalogues (.po to .mo); --update: see localrun/catalogues.py"
	@echo "make lint    ruff and mypy"
	@echo "make scan    security scans: checkov on the template, bandit on the code"
	@echo "make bench   cold-start imports, AWS calls per request, export throughput, the portal's budgets"
	@echo "make deploy  build, sam deploy --guided, then upload the portal and invalidate its distribution"

$(VENV)/.installed: pyproject.toml requirements-dev.txt layers/common/requirements.txt
	@test -n "$(BASE_PY)" || { echo "No Python 3.11+ found on PATH" >&2; exit 1; }
	test -x $(PY) || $(BASE_PY) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# The functions read compiled catalogues (.mo, never committed), made here from the .po files; the layer ships
# them, so every build and the local stack make them first.
catalogues: install
	$(PY) -m localrun.catalogues

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

# The Lambda runtime as the built functions meet it: python3.13 and boto3, nothing else. pip itself is left out
# (the dev virtualenv's pip installs into it), so an import of anything else can only come from the build.
$(RUNTIME_VENV)/.installed-boto3-$(RUNTIME_BOTO3): $(VENV)/.installed
	@test -n "$(LAMBDA_PY)" || { echo "No python3.13 found on PATH" >&2; exit 1; }
	rm -rf $(RUNTIME_VENV)
	$(LAMBDA_PY) -m venv --without-pip $(RUNTIME_VENV)
	$(PY) -m pip --python $(RUNTIME_VENV)/bin/python install --quiet boto3==$(RUNTIME_BOTO3) botocore==$(RUNTIME_BOTO3)
	touch $@

# .aws-sam/local-build, for this machine's architecture: tests/infrastructure/test_built_artifacts.py imports
# every function from it. A folder of its own, so that what `sam deploy` ships (.aws-sam/build, made by
# `make deploy` for the template's architecture) is never a build for this machine. --cached rebuilds only
# what changed (the layer's dependencies when its requirements or the architecture change). Without a
# python3.13 the build is skipped, and so are those tests; never in CI.
ifneq ($(LAMBDA_PY),)
build: catalogues $(SAM_VENV)/.installed $(RUNTIME_VENV)/.installed-boto3-$(RUNTIME_BOTO3)
	@test -n "$(filter arm64 x86_64,$(ARCHITECTURE))" || { echo "Lambda runs arm64 or x86_64, not $(ARCHITECTURE)" >&2; exit 1; }
	PATH="$(dir $(abspath $(LAMBDA_PY))):$$PATH" $(SAM_VENV)/bin/sam build --cached --template infra/template.yaml \
	  --build-dir .aws-sam/local-build --cache-dir .aws-sam/local-cache --parameter-overrides Architecture=$(ARCHITECTURE)
else
build:
	@if [ -n "$${CI:-}" ]; then echo "sam build needs a python3.13 on PATH (the Lambda runtime); CI must have one" >&2; exit 1; fi
	@echo "Skipping sam build: it needs a python3.13 on PATH (the Lambda runtime), e.g. pyenv install 3.13." >&2
	@echo "The tests of the built functions are skipped." >&2
	rm -rf .aws-sam/local-build
endif

# -- the customer portal (web/) -------------------------------------------------------------------------
# Built with Node 20's npm, its packages from the registry as the committed lock file pins them: `npm ci`
# when node_modules is missing or the lock file changed, `npm run build` (which makes src/api/schema.d.ts
# from docs/openapi.json, type-checks, and bundles) when a source is newer than web/dist.
NPM ?= npm
WEB_INSTALLED := web/node_modules/.installed
WEB_SOURCES := $(filter-out web/src/api/schema.d.ts,$(shell find web/src web/public -type f 2>/dev/null)) \
	$(filter-out web/package-lock.json,$(wildcard web/*.json web/*.ts web/*.js web/*.html)) docs/openapi.json

$(WEB_INSTALLED): web/package-lock.json web/package.json
	@command -v $(NPM) >/dev/null || { echo "npm is needed to build the portal: install Node 20" >&2; exit 1; }
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web/dist/index.html: $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && $(NPM) run build
	touch $@

web: web/dist/index.html

# The stack's first line is the portal's address (make echoes nothing of its own here).
run: install web
	@$(PY) -m localrun

test: install chromium web $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
	$(VENV)/bin/cfn-lint infra/template.yaml
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam validate --lint --template infra/template.yaml --region ca-central-1
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory scan
	$(VENV)/bin/ruff check .
	$(MAKE) --no-print-directory typecheck
	cd web && $(NPM) run check
	$(PY) -m pytest

# The browser of the tests that render pages (the emails' screenshots): Debian's Chromium, driven by Playwright
# through its executable path. Installed when missing; nothing downloads a browser.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null && \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) || \
	  (sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium); }
	@test -x $(CHROMIUM) || { echo "Chromium is needed at $(CHROMIUM) (Debian package chromium)" >&2; exit 1; }

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

bench: install chromium web
	$(PY) -m bench

openapi: install
	$(PY) -m localrun.openapi

# The stack, then the portal's files into its bucket (config.json written from the deployed stack's
# parameters) and an invalidation of what is not content-hashed. STACK_NAME and REGION, when set, are the
# stack publish_web.py reads; otherwise samconfig.toml's (what --guided saved).
deploy: catalogues web $(SAM_VENV)/.installed
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam build --template infra/template.yaml
	PATH="$(dir $(abspath $(BASE_PY))):$$PATH" $(SAM_VENV)/bin/sam deploy --guided
	$(PY) infra/publish_web.py $(if $(STACK_NAME),--stack-name $(STACK_NAME)) $(if $(REGION),--region $(REGION))

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) $(RUNTIME_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
	rm -rf web/node_modules web/dist
