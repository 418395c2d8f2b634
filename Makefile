# mock-affise: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8080
HOST ?= 127.0.0.1
BIN := $(VENV)/bin

.PHONY: run test fuzz bench lint clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,postgres]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/mock-affise serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest -q

fuzz: install-test
	MOCK_AFFISE_FUZZ=long $(BIN)/python -m pytest -q -m slow

bench: install-test
	$(BIN)/python bench/run.py

lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache *.egg-info
