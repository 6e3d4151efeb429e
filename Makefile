# contactguard: `make demo` shows what it does, `make test` runs every check
# (what CI runs), `make` alone the fast Rust-only ones, `make help` lists the
# targets. Run from the repository root. Each step prints the commands it
# runs.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := check

# rustup installs cargo here; a fresh shell may not have it on PATH yet.
export PATH := $(PATH):$(HOME)/.cargo/bin

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
CARGO ?= cargo
CLI := $(CARGO) run -q -p contactguard-cli --
# Where cargo puts what it builds: CARGO_TARGET_DIR when set, else target/.
CARGO_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),$(ROOT)/target))

# Conformance vectors: the shared cases beside the repository (CI lays
# shared/ next to its clone) and the project's own, when they exist. The
# runner adds the files named in CONTACTGUARD_VECTORS by itself.
VECTORS := $(strip $(wildcard $(abspath $(ROOT)/../shared/vectors)) $(wildcard $(ROOT)/tests/vectors))

.PHONY: help check demo test toolchain fmt clippy doc unit vectors docs-check docs bench-peers bench bench-bindings

## check: the fast Rust-only checks (the default): formatting, clippy, unit and integration tests, vectors
check: toolchain fmt clippy unit vectors
	@echo "==> make check: all steps passed (make test runs every language and tool)"

## help: list the targets and what they do
help:
	@echo "make TARGET, from the repository root; \`make\` alone is \`make check\`."
	@grep -h -E '^## [a-z0-9-]+:' $(MAKEFILE_LIST) | sed -e 's/^## //' | \
		while IFS= read -r line; do printf '  %-14s %s\n' "$${line%%:*}" "$${line#*: }"; done

## demo: audit the bundled sample contact log against cn+conduct and print what it finds
# The HTML report goes beside the build, in CARGO_TARGET_DIR when it is set.
demo:
	$(CARGO) build --release -p contactguard-cli
	@mkdir -p $(CARGO_TARGET)
	$(CARGO) run --release -q -p contactguard-cli -- audit examples/data/sample-log.csv --policy cn+conduct --out $(CARGO_TARGET)/audit-report.html

## test: every check, as CI runs it: Rust, C/C++, install, Java, Python, fuzz smoke, Redis, the fleet, Spark
# A whole run builds everything once: incremental caches would only add
# gigabytes of disk (CI's machine has little to spare).
test: export CARGO_INCREMENTAL = 0
test: toolchain fmt clippy doc unit vectors docs-check ffi-test java-test python-test panic-test fuzz-smoke redis-test fleet-test spark-test
	@echo "==> make test: all steps passed"

# rustfmt and clippy are rustup components that a minimal toolchain lacks.
toolchain:
	@echo "==> toolchain"
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup" >&2; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || { echo "+ rustup component add rustfmt"; rustup component add rustfmt; }
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "+ rustup component add clippy"; rustup component add clippy; }
	$(CARGO) --version

## fmt: cargo fmt --check over the workspace
fmt: toolchain
	@echo "==> formatting"
	$(CARGO) fmt --all -- --check

## clippy: clippy with warnings denied, every target of the workspace
clippy: toolchain
	@echo "==> lints"
	$(CARGO) clippy --workspace --exclude contactguard-peers --all-targets -- -D warnings

## doc: the core crate's API docs with warnings denied
doc:
	@echo "==> API docs"
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --no-deps -p contactguard

## unit: every Rust unit, integration and doc test
unit:
	@echo "==> unit, integration and doc tests"
	$(CARGO) test --workspace --exclude contactguard-peers

## vectors: the conformance vectors through the command (and CONTACTGUARD_VECTORS)
vectors:
	@echo "==> conformance vectors: $(or $(VECTORS),none in ../shared/vectors or tests/vectors)$${CONTACTGUARD_VECTORS:+ and CONTACTGUARD_VECTORS=$$CONTACTGUARD_VECTORS}"
	@if [ -n "$(VECTORS)" ] || [ -n "$${CONTACTGUARD_VECTORS:-}" ]; then \
		echo "+ $(CLI) vectors $(VECTORS)"; \
		$(CLI) vectors $(VECTORS); \
	else \
		echo "no vectors to run: skipped"; \
	fi

# Until docs/presets.md has been generated once (`make docs`, which needs
# contactguard::reference::presets_markdown), there is nothing to compare.
## docs-check: docs/presets.md matches the presets and docs/errors.md the error codes
docs-check:
	@echo "==> docs/presets.md is fresh (regenerate with: make docs)"
	@if [ -f docs/presets.md ]; then \
		echo "+ $(CLI) presets --markdown | diff -u docs/presets.md -"; \
		$(CLI) presets --markdown | diff -u docs/presets.md -; \
	else \
		echo "docs/presets.md has not been generated yet: skipped"; \
	fi
	@echo "==> docs/errors.md is fresh (regenerate with: make docs)"
	$(CLI) errors --markdown | diff -u docs/errors.md -

# The peer comparison (Cedar, regorus) builds two large engines: it is a
# benchmark run on request, not part of `make test`.
## bench-peers: us-reg-f+us-ma through contactguard, Cedar and regorus (RVM, interpreter), peers computing their facts; median, p99, ratios from one run
bench-peers:
	$(CARGO) run --release -p contactguard-peers

# Benchmarks print timings and assert nothing about them: run on request,
# not part of `make test`. On a shared machine, `nice` the other work.
## bench: decide over 0, 50, 200 and 1,000 events, allowed and denied: criterion medians, then median and p99 of single calls
bench:
	$(CARGO) bench -p contactguard --bench decide_history -- --warm-up-time 1 --measurement-time 3

BENCH_BINDINGS := $(CARGO_TARGET)/bench-bindings
## bench-bindings: one decide (50 events) from Rust, the C ABI, Java (JNI, JNA) and Python back to back; one table of ratios to Rust
# Each step's output is kept in target/bench-bindings; benches/bindings.py
# reads them (and criterion's estimates) and prints the table.
bench-bindings: java-deps python-wheel
	@mkdir -p $(BENCH_BINDINGS)
	@echo "==> Rust and the C ABI (criterion, interleaved)"
	$(CARGO) bench -p contactguard-ffi --bench decide_ffi -- --warm-up-time 1 --measurement-time 3 | tee $(BENCH_BINDINGS)/ffi.txt
	@echo "==> Java: JNI, JNA and the Rust call inside the library"
	$(MAKE) --no-print-directory bench-java | tee $(BENCH_BINDINGS)/java.txt
	@echo "==> Python"
	$(PY_VENV)/bin/python $(PY_DIR)/bench/decide_50.py | tee $(BENCH_BINDINGS)/python.txt
	$(PYTHON) $(ROOT)/benches/bindings.py "$${CRITERION_HOME:-$(CARGO_TARGET)/criterion}" $(BENCH_BINDINGS)/ffi.txt $(BENCH_BINDINGS)/java.txt $(BENCH_BINDINGS)/python.txt | tee $(BENCH_BINDINGS)/table.txt

## docs: regenerate docs/presets.md from the presets and docs/errors.md from the error codes
docs:
	$(CLI) presets --markdown > docs/presets.md.tmp
	mv docs/presets.md.tmp docs/presets.md
	$(CLI) errors --markdown > docs/errors.md.tmp
	mv docs/errors.md.tmp docs/errors.md

# The C ABI, its header, the C/C++ tests and the Java binding.
include $(ROOT)/mk/ffi.mk
# `make install` of the C ABI and its test against a temporary prefix.
include $(ROOT)/mk/install.mk
# The Python module: wheel, fresh virtual environment, pytest.
include $(ROOT)/mk/python.mk
# Fuzzing, the panic boundary, ThreadSanitizer and Miri (SECURITY.md).
include $(ROOT)/mk/reliability.mk
# The Redis ledger against a private redis-server on a loopback port.
include $(ROOT)/mk/redis.mk
# Dialer workers in several languages on one Redis ledger, and a failover.
include $(ROOT)/mk/fleet.mk
# The PySpark audit recipe in local mode (examples/spark).
include $(ROOT)/mk/spark.mk
