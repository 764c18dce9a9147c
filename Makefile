# Two commands do all set-up: `make run` (the product on the embedded store) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install index run test eval bench uibench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(VENV)/bin/rag ingest --quiet

run: index
	$(VENV)/bin/rag serve

test: install
	$(PY) -m pytest -q -p no:cacheprovider

eval: index
	$(VENV)/bin/rag eval

bench: install
	$(PY) -m eval.bench
	$(PY) -m eval.claimcheck

uibench: index
	$(PY) -m eval.uibench

lint: install
	$(VENV)/bin/ruff check rag ui eval tests
	$(VENV)/bin/mypy

clean:
	rm -rf .data eval/out tests/artifacts
