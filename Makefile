# The two commands of the README: `make run` and `make test`. Everything is installed by these
# targets on a fresh machine; nothing is assumed to be there but Python 3.11, Node/npm and apt.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
VENDOR_STAMP := xiaonuo/static/vendor/.installed

.PHONY: run test lint install install-dev frontend browser java clean

run: install frontend
	$(PY) -m xiaonuo.cli init
	$(PY) -m xiaonuo.cli demo --if-empty
	$(PY) -m xiaonuo.cli serve

test: install-dev frontend browser java
	$(PY) -m xiaonuo.cli compilemessages_check
	$(PY) -m pytest -p xdist -n 2 --dist loadfile

lint: install-dev
	$(VENV)/bin/ruff check xiaonuo benchmarks
	$(VENV)/bin/ruff format --check xiaonuo benchmarks
	$(VENV)/bin/mypy xiaonuo
	$(VENV)/bin/lint-imports

$(PY):
	python3.11 -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml $(STAMP)
	$(PIP) install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

# htmx, ECharts and the CSS come from the npm registry and are copied next to our static files;
# nothing third-party is committed and nothing is loaded from a CDN at run time.
frontend: $(VENDOR_STAMP)
$(VENDOR_STAMP): frontend/package.json frontend/package-lock.json frontend/vendor.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	node frontend/vendor.mjs
	touch $@

# Debian's Chromium for the end-to-end tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# A Java runtime for the analytics tests on Spark in local mode (Debian's, no download at run time).
java:
	@command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null)

clean:
	rm -rf $(VENV) frontend/node_modules xiaonuo/static/vendor
