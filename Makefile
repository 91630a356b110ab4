# The README's two commands:
#   make run   - set up everything, load the demo data and serve http://127.0.0.1:8000
#   make test  - set up everything and run the whole test suite
# Each target installs what it needs on a fresh machine (a virtualenv from the
# hash-pinned requirements-dev.lock, the front-end assets from package-lock.json) and
# skips what is already up to date. After changing pyproject.toml's dependencies,
# regenerate the locks: `make lock`.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test setup lint assets lock clean

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed static/build/portal.css

lint: setup
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

assets: static/build/portal.css

$(VENV)/.installed: pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps .
	@touch $@

LOCK_ARGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: $(VENV)/.installed
	$(BIN)/pip-compile $(LOCK_ARGS) --output-file requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_ARGS) --extra dev --output-file requirements-dev.lock pyproject.toml

static/build/portal.css: package.json package-lock.json scripts/build-assets.mjs static/scss/portal.scss
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent build

clean:
	rm -rf $(VENV) node_modules static/build staticfiles build *.egg-info
