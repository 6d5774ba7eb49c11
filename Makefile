PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test,plot]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ssm-coint demo

test: $(STAMP)
	$(BIN)/python -m ruff check ssm_coint tests validation examples
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

docs: $(STAMP)
	$(BIN)/mkdocs build --strict --site-dir site

lint: $(STAMP)
	$(BIN)/python -m ruff check ssm_coint tests validation examples

clean:
	rm -rf $(VENV)
