# Two commands do all set-up: `make run` (the product on the embedded store) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: install index run test audit eval bench bench-scale uibench reliability lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# The lock pins every distribution (pyproject.toml keeps the supported ranges).
$(STAMP): pyproject.toml $(LOCK) | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -c $(LOCK) -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(VENV)/bin/rag ingest --quiet

run: index
	$(VENV)/bin/rag serve

test: install
	$(PY) -m pytest -q -p no:cacheprovider --durations=25

# pip-audit on the lock; says loudly what it could not audit (AUDIT_REQUIRE_SERVICE=1: fail on it)
audit: install
	$(PY) -m bench.audit

eval: index
	$(VENV)/bin/rag eval

bench: install
	$(PY) -m bench.speed
	$(PY) -m bench.api
	$(PY) -m eval.claimcheck
	$(PY) -m eval.claimcheck --corpus eval/corpora/cmrc-trial
	$(PY) -m eval.claimcheck --corpus eval/corpora/rgb-int

# ingest, open, ask and peak memory at 1, 10 and 100 times the seeds (exits 1 on a missed target)
bench-scale: install
	$(PY) -m bench.scale

uibench: index
	$(PY) -m bench.ui

# Reliability and security, measured (each prints its figures and exits 1 on a failed check)
reliability: install
	$(PY) -m bench.crash --runs 20
	$(PY) -m bench.concurrency
	$(PY) -m bench.load
	$(PY) -m bench.faults
	$(PY) -m bench.injection

lint: install
	$(VENV)/bin/ruff check rag ui eval bench tests
	$(VENV)/bin/mypy

clean:
	rm -rf .data eval/out tests/artifacts
