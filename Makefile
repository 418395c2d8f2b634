# mock-affise: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
GET_PIP_URL := https://bootstrap.pypa.io/get-pip.py

.PHONY: run test fuzz bench lint clean reset install install-test venv screenshots

# The virtualenv counts as made once it has pip: a `python3 -m venv` that failed half-way
# (Debian without python3-venv leaves bin/python but no pip) is made again, not trusted.
# Without ensurepip, pip comes from the system's pip (`pip --python`), else from get-pip.py.
$(BIN)/pip:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: mock-affise needs Python 3.11 or newer; '$(PYTHON)' is: $$($(PYTHON) -V 2>&1)." >&2; \
	  echo "       Run make with PYTHON=python3.11 (or newer)." >&2; exit 1; }
	@if [ -f $(VENV)/pyvenv.cfg ]; then rm -rf $(VENV); fi
	@if ! $(PYTHON) -m venv $(VENV) >/dev/null 2>&1; then \
	  echo "note: '$(PYTHON) -m venv' failed: ensurepip is missing (on Debian/Ubuntu: the python3-venv package)." >&2; \
	  echo "note: making the virtualenv without pip, then bootstrapping pip." >&2; \
	  rm -rf $(VENV); \
	  $(PYTHON) -m venv --without-pip $(VENV) \
	  && { $(PYTHON) -m pip --python $(BIN)/python install --quiet pip 2>/dev/null \
	       || { { $(BIN)/python -c "import urllib.request as u; u.urlretrieve('$(GET_PIP_URL)', '$(VENV)/get-pip.py')" 2>/dev/null \
	              || { echo "note: no system pip, and $(GET_PIP_URL) cannot be downloaded." >&2; false; }; } \
	            && $(BIN)/python $(VENV)/get-pip.py --quiet; }; } \
	  || { rm -rf $(VENV); \
	       echo "error: could not make a virtualenv with pip in $(VENV)." >&2; \
	       echo "       Install the venv module (Debian/Ubuntu: sudo apt-get install python3-venv) and run make again." >&2; \
	       exit 1; }; \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip

venv: $(BIN)/pip

$(VENV)/.installed: pyproject.toml | $(BIN)/pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Serves on http://127.0.0.1:8080 with its data in ./mock-affise.db; prints the admin API key.
# `make run PORT=9000 HOST=0.0.0.0` sets MOCK_AFFISE_PORT/HOST; without them every setting,
# defaults included, comes from mock_affise.config and the MOCK_AFFISE_* environment.
# Only a value typed on make's command line counts: an unrelated PORT in the environment does not.
RUN_ENV := $(if $(filter command line,$(origin PORT)),MOCK_AFFISE_PORT=$(PORT)) \
           $(if $(filter command line,$(origin HOST)),MOCK_AFFISE_HOST=$(HOST))
run: install
	$(strip $(RUN_ENV) $(BIN)/mock-affise serve)

# The whole suite on in-memory SQLite. Then two reruns of the tests whose outcome can depend on
# the engine (every test has already run once):
# - on SQLite files, as serve runs: the machinery only a file has (the journal's writer thread,
#   the cross-process write gate, the shared change counter behind the answer cache), under
#   the tests that drive it: the harness, answer replay, the properties and the state machine,
#   concurrency, a full disk, hostile input;
# - on PostgreSQL when MOCK_AFFISE_TEST_DATABASE_URL names one (.ci/run starts one): every test
#   that sends SQL through the app or the services (the Affise routes, the harness, the
#   services, the properties, the state machine, hostile input, fixtures, the serve tests
#   marked postgres). Pure rules, the OpenAPI contract, the CLI, the plugin, the importer (its
#   own SQLite files) and the browser are engine-free: they run once.
FILE_RERUN := tests/harness tests/api/test_read_answers.py tests/properties tests/stateful \
              tests/test_concurrency.py tests/test_disk_full.py tests/test_hostile_input.py
SERVER_RERUN := tests/api tests/harness tests/service tests/properties tests/stateful \
                tests/reliability tests/test_hostile_input.py tests/test_fixtures.py \
                tests/test_concurrency.py tests/test_cli_export_generate.py
# The reruns (MOCK_AFFISE_TEST_RERUN=1) skip the tests marked engine_free and draw a third of the
# property tests' examples (tests/budget.py): they look for what an engine does differently.
# Python keeps its compiled modules (and pytest its rewritten tests) in __pycache__ even where
# the environment says not to (PYTHONDONTWRITEBYTECODE, set in some images): otherwise every
# xdist worker of every pass compiles the package and the tests again (5 s of CPU each).
PYTEST := env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -q -n 2
test: install-test
	env -u MOCK_AFFISE_TEST_DATABASE_URL $(PYTEST)
	@echo "== the file-machinery tests again, each app on an SQLite file (as serve runs)"
	env -u MOCK_AFFISE_TEST_DATABASE_URL MOCK_AFFISE_TEST_SQLITE=file MOCK_AFFISE_TEST_RERUN=1 \
	  $(PYTEST) -p no:cacheprovider -m "not serve and not browser and not engine_free" \
	  $(FILE_RERUN)
	@if [ -n "$${MOCK_AFFISE_TEST_DATABASE_URL:-}" ]; then \
	  echo "== the database tests again, on $${MOCK_AFFISE_TEST_DATABASE_URL%%@*}@..."; \
	  MOCK_AFFISE_TEST_RERUN=1 $(PYTEST) -p no:cacheprovider \
	    -m "(not serve or postgres) and not browser and not engine_free" $(SERVER_RERUN); \
	fi

# Property tests, the state machine and schemathesis with many more examples.
fuzz: install-test
	MOCK_AFFISE_FUZZ=long $(BIN)/python -m pytest -q tests/properties tests/stateful tests/contract

# Issue 6's figures side by side in one run: one table (figure, value, target, PASS/FAIL), then
# the raw numbers (also in bench/out/). A few minutes; installs wrk with apt-get when missing.
# BENCH_ARGS="--quick" for a short, noisier run; "--only generation,cfa" for some figures.
bench: install-test
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The README's screenshots of the dashboard (docs/dashboard-*.png), taken again by the browser
# tests from the default fixture; needs chromium and chromium-driver (Debian's packages).
screenshots: install-test
	MOCK_AFFISE_SCREENSHOTS=docs $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/browser/test_dashboard_pages.py -k readme_screenshots

# Ruff, then the import contracts (pyproject.toml [tool.importlinter]): arrows point down only
# (api -> services -> rules and models -> db), and no module imports one that imports it back.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# What make made: the virtualenv and the tools' caches. The data stays (see reset).
clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache *.egg-info

# Start over: delete make run's database (./mock-affise.db) and the files SQLite and the mock
# keep beside it; the next `make run` seeds the fixture again. (`serve --fresh` does the same
# for any --database file.)
reset:
	rm -f mock-affise.db mock-affise.db-wal mock-affise.db-shm mock-affise.db-mock-*
