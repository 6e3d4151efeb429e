# A dialer fleet in any language shares one exact ledger (issue #17):
# tests/fleet/fleet.py starts real redis-servers, one worker process per
# command, feeds them interleaved asks for shared recipients and checks the
# caps from the policy's numbers. Included by the root Makefile.
#
#   make fleet-test    the fleet on one redis-server, then the failover run
#                      (primary, replica, three Sentinels, WAIT 1 replica,
#                      the primary killed with SIGKILL mid-run): no cap
#                      exceeded, every worker denied by a cap, every ask
#                      answered during the outage denied by
#                      `contactguard.redis`, no admitted attempt lost;
#                      and a control run (each worker its own in-memory
#                      ledger) that the checks must catch
#   make bench-fleet   asks/s per process and in total, median and p99
#                      latency, for 1, 2, 4 and 8 Rust workers on one
#                      redis-server, contended and uncontended, beside the
#                      in-memory ledger (FLEET_BENCH_ASKS asks per process)

FLEET_PY := $(ROOT)/tests/fleet/fleet.py
FLEET_RUST_WORKER := $(CARGO_TARGET)/release/contactguard-fleet-worker
FLEET_PYTHON_WORKER := $(PY_VENV)/bin/python $(ROOT)/tests/fleet/worker.py
# Two processes of each language, so that workers of one language race too.
FLEET_WORKERS := --worker '$(FLEET_RUST_WORKER)' --worker '$(FLEET_RUST_WORKER)' \
	--worker '$(FLEET_PYTHON_WORKER)' --worker '$(FLEET_PYTHON_WORKER)'
# The C++ and Java workers (mk/ffi.mk builds them) speak the same protocol
# over the C ABI's Redis ledger. The control run (--unshared) passes URL
# `memory`, which only the Rust and Python workers know: it runs
# FLEET_WORKERS alone.
FLEET_EXTRA_WORKERS ?= --worker '$(FLEET_BUILD)/worker-cpp' --worker '$(FLEET_BUILD)/worker-java'
FLEET_BENCH_ASKS ?= 3000

.PHONY: fleet-worker fleet-test bench-fleet

fleet-worker:
	$(CARGO) build --release -p contactguard-redis --bin contactguard-fleet-worker

## fleet-test: Rust, Python, C++ and Java dialer workers share one Redis ledger; then a Sentinel failover
fleet-test: redis-deps python-wheel fleet-worker fleet-worker-cpp fleet-worker-java
	@echo "==> fleet: workers in several languages on one Redis ledger"
	$(PY_VENV)/bin/python $(FLEET_PY) run $(FLEET_WORKERS) $(FLEET_EXTRA_WORKERS)
	@echo "==> fleet: control: the same workers with a ledger each must be caught exceeding the caps"
	$(PY_VENV)/bin/python $(FLEET_PY) run --unshared $(FLEET_WORKERS)
	@echo "==> fleet: the same with a Sentinel failover (kill -9 of the primary mid-run)"
	$(PY_VENV)/bin/python $(FLEET_PY) run --failover $(FLEET_WORKERS) $(FLEET_EXTRA_WORKERS)

## bench-fleet: asks/s and latency of 1, 2, 4, 8 Rust fleet workers on one redis-server, beside the in-memory ledger
bench-fleet: redis-deps fleet-worker
	$(PYTHON) $(FLEET_PY) bench --worker '$(FLEET_RUST_WORKER)' --asks $(FLEET_BENCH_ASKS) --procs 1,2,4,8
