# The Python module (bindings/python): a pyo3 extension built by maturin as
# an abi3 wheel. Included by the root Makefile.
#
#   make python-test   build the wheel, install it into a fresh virtual
#                      environment (target/py-venv) and run the pytest suite:
#                      API, every conformance vector, the audit's property
#                      tests on pandas / polars / pyarrow, and mypy.stubtest;
#                      the Redis ledger (Ledger.redis) and the ledger
#                      scenarios against redis-servers the tests start
#                      (redis-server installed as mk/redis.mk does)
#   make bench-python  decide and audit timings from Python, against pandas
#                      (bindings/python/bench/bench.py; not a test)
#   make python-dev    the same environment with the package built in
#                      place, for iterating (`maturin develop`)

PY_DIR := $(ROOT)/bindings/python
PYTHON ?= python3
PY_VENV := $(ROOT)/target/py-venv
PY_WHEELS := $(ROOT)/target/wheels
# The build and test dependencies, pinned (with what they pull in).
PY_REQUIREMENTS := $(PY_DIR)/requirements-test.txt
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: python-venv python-wheel python-test python-dev bench-python

# A new environment every time: the suite proves that the wheel installs
# and works on its own, not that a long-lived environment still does.
python-venv:
	@echo "==> Python: fresh virtual environment in target/py-venv"
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found" >&2; exit 1; }
	rm -rf $(PY_VENV)
	$(PYTHON) -m venv $(PY_VENV)
	$(PY_VENV)/bin/pip install $(PIP_QUIET) -r $(PY_REQUIREMENTS)

python-wheel: python-venv
	@echo "==> Python: release abi3 wheel, installed into the environment"
	rm -f $(PY_WHEELS)/contactguard-*.whl
	cd $(PY_DIR) && $(PY_VENV)/bin/maturin build --release --out $(PY_WHEELS)
	$(PY_VENV)/bin/pip install $(PIP_QUIET) --no-deps --force-reinstall $(PY_WHEELS)/contactguard-*.whl

## python-test: the Python module's wheel in a fresh virtual environment, pytest (vectors, audit properties, Redis ledger, stubtest)
python-test: redis-deps python-wheel
	@echo "==> Python: pytest (vectors from ../shared/vectors, tests/vectors and CONTACTGUARD_VECTORS)"
	cd $(PY_DIR) && $(PY_VENV)/bin/python -m pytest -p no:cacheprovider

python-dev: python-venv
	cd $(PY_DIR) && VIRTUAL_ENV=$(PY_VENV) $(PY_VENV)/bin/maturin develop --release

## bench-python: one decide from Python, audit rows/s on 1 and 2 threads vs pandas
bench-python: python-wheel
	$(PY_VENV)/bin/python $(PY_DIR)/bench/bench.py
