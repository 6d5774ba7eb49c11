PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs clean warmup

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test,plot]"
	touch $(STAMP)

# optional: compile the numba kernels once, in two processes (python -m ssm_coint._warmup), so
# that later commands load cached code. Not part of `make test`: in a fresh clone it added 40 s
# and the test workers did not get faster (measured 2026-12-02)
warmup: | $(BIN)/python
	$(BIN)/python -m ssm_coint._warmup filter & pid=$$!; \
	$(BIN)/python -m ssm_coint._warmup em adaptive && wait $$pid

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
