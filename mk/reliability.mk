# Reliability and security checks (SECURITY.md): fuzzing, the panic
# boundary, ThreadSanitizer and Miri. Included by the root Makefile.
#
#   make fuzz-smoke   every fuzz target for FUZZ_SMOKE_SECONDS (part of make test)
#   make fuzz         every fuzz target for FUZZ_SECONDS (default 300 s each)
#   make fuzz-merge   fold new coverage from the scratch corpora into fuzz/corpus
#   make panic-test   a forced panic inside the C ABI becomes CG_RESULT_PANIC (part of make test)
#   make tsan         the ledger's concurrency tests under ThreadSanitizer (not in make test: slow)
#   make miri         the C ABI's memory test and the core's unit tests under Miri (not in make test: needs nightly)
#
# The stress and fail-closed tests (crates/contactguard/tests/stress.rs,
# fail_closed.rs) are ordinary integration tests: `make unit` runs them.

CARGO_FUZZ_VERSION := 0.13.2
RELIABILITY_TOOLS := $(ROOT)/target/tools
CARGO_FUZZ := $(RELIABILITY_TOOLS)/bin/cargo-fuzz
FUZZ_DIR := $(ROOT)/fuzz
FUZZ_TARGETS := policy_toml policy_json decode vectors decide ffi ledger_restore audit_log
# Targets that build structured inputs with `arbitrary`: longer inputs mean
# more rules, events and asks, so they start at full length.
FUZZ_STRUCTURED := decide|ffi|ledger_restore
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 15
# address (the default) or none; the ASan build needs RUSTC_BOOTSTRAP on
# a stable toolchain, which cargo-fuzz's -Zsanitizer flag requires.
FUZZ_SANITIZER ?= address
# Inputs libFuzzer finds go to a scratch corpus (not committed); the
# committed seeds in fuzz/corpus/<target> are read only.
FUZZ_SCRATCH := $(ROOT)/target/fuzz-corpus
# A single input that takes longer than this is a failure (a hang).
FUZZ_TIMEOUT ?= 30
FUZZ_RUN = RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz run --fuzz-dir $(FUZZ_DIR) --sanitizer $(FUZZ_SANITIZER)
TSAN_TARGET := x86_64-unknown-linux-gnu
MIRI_TOOLCHAIN ?= nightly

.PHONY: cargo-fuzz fuzz-build fuzz fuzz-smoke fuzz-merge panic-test tsan miri

# cargo-fuzz at the pinned version, installed into target/tools.
cargo-fuzz:
	@if ! "$(CARGO_FUZZ)" fuzz --version 2>/dev/null | grep -q " $(CARGO_FUZZ_VERSION)$$"; then \
		echo "+ cargo install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked --root $(RELIABILITY_TOOLS)"; \
		$(CARGO) install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked --root "$(RELIABILITY_TOOLS)"; \
	fi

# libfuzzer-sys compiles libFuzzer with the C++ compiler that ffi-deps installs.
fuzz-build: cargo-fuzz ffi-deps
	@echo "==> fuzz targets (sanitizer: $(FUZZ_SANITIZER))"
	RUSTC_BOOTSTRAP=1 $(CARGO_FUZZ) fuzz build --fuzz-dir $(FUZZ_DIR) --sanitizer $(FUZZ_SANITIZER)

# $(1): seconds per target; $(2): the scratch corpus directory (cleared
# first when $(3) is `fresh`). A crash stops the run and leaves the input in
# fuzz/artifacts/<target>/; reproduce it with
#   RUSTC_BOOTSTRAP=1 target/tools/bin/cargo-fuzz fuzz run --fuzz-dir fuzz <target> fuzz/artifacts/<target>/<file>
# and add it as a regression test (crates/contactguard/tests/fuzz_regressions.rs).
define fuzz_each
	@mkdir -p "$(2)"
	@for t in $(FUZZ_TARGETS); do \
		if [ "$(3)" = fresh ]; then rm -rf "$(2)/$$t"; fi; \
		mkdir -p "$(2)/$$t" "$(FUZZ_DIR)/corpus/$$t"; \
		log="$(2)/$$t.log"; \
		case $$t in $(FUZZ_STRUCTURED)) extra="-max_len=4096 -len_control=0";; *) extra="";; esac; \
		echo "+ $(FUZZ_RUN) $$t $(2)/$$t fuzz/corpus/$$t -- -max_total_time=$(1) -timeout=$(FUZZ_TIMEOUT)"; \
		if ! $(FUZZ_RUN) $$t "$(2)/$$t" "$(FUZZ_DIR)/corpus/$$t" -- \
			-max_total_time=$(1) -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 $$extra >"$$log" 2>&1; then \
			grep -aE -A12 'panicked|ERROR|SUMMARY|^Error' "$$log" | head -60; \
			grep -aE 'Test unit written' "$$log" || true; \
			echo "error: fuzz target $$t failed; full log in $$log" >&2; \
			exit 1; \
		fi; \
		grep -aE '^stat::number_of_executed_units|^stat::new_units_added|^Done [0-9]+ runs' "$$log" | tr '\n' ' '; echo; \
	done
endef

## fuzz-smoke: every fuzz target briefly (FUZZ_SMOKE_SECONDS each), to catch regressions
# From the committed corpus only (a fresh scratch directory), so that the
# time goes to new inputs rather than to replaying earlier runs' finds.
fuzz-smoke: fuzz-build
	@echo "==> fuzz smoke: $(words $(FUZZ_TARGETS)) targets, $(FUZZ_SMOKE_SECONDS) s each"
	$(call fuzz_each,$(FUZZ_SMOKE_SECONDS),$(ROOT)/target/fuzz-smoke,fresh)

## fuzz: every fuzz target for FUZZ_SECONDS (default 300) each
fuzz: fuzz-build
	@echo "==> fuzz: $(words $(FUZZ_TARGETS)) targets, $(FUZZ_SECONDS) s each"
	$(call fuzz_each,$(FUZZ_SECONDS),$(FUZZ_SCRATCH),keep)

## fuzz-merge: keep the inputs of the scratch corpora that add coverage, in fuzz/corpus (commit them)
fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p "$(FUZZ_SCRATCH)/$$t" "$(FUZZ_DIR)/corpus/$$t"; \
		echo "+ $(FUZZ_RUN) $$t fuzz/corpus/$$t target/fuzz-corpus/$$t -- -set_cover_merge=1"; \
		$(FUZZ_RUN) $$t "$(FUZZ_DIR)/corpus/$$t" "$(FUZZ_SCRATCH)/$$t" -- -set_cover_merge=1 2>&1 | grep -aE '^MERGE-OUTER: [0-9]+ new files' || true; \
	done
	@du -sh $(FUZZ_DIR)/corpus

## panic-test: a panic forced inside the C ABI is returned as CG_RESULT_PANIC and the process keeps running
panic-test:
	@echo "==> C ABI panic boundary (test-panic hook)"
	$(CARGO) test -q -p contactguard-ffi --features test-panic --test panic_boundary

## tsan: the ledger's stress and concurrency tests under ThreadSanitizer (std rebuilt with -Zbuild-std)
tsan:
	@echo "==> ThreadSanitizer: ledger stress and concurrency tests"
	@rustup component list --installed 2>/dev/null | grep -q '^rust-src' || { echo "+ rustup component add rust-src"; rustup component add rust-src; }
	RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread" RUSTDOCFLAGS="-Zsanitizer=thread" \
		TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" CARGO_TARGET_DIR=$(ROOT)/target/tsan \
		$(CARGO) test -Zbuild-std --target $(TSAN_TARGET) -p contactguard --test stress --test ledger

## miri: the C ABI's unsafe code and the core's unit tests under Miri (installs nightly's miri component when missing)
# The core is #![forbid(unsafe_code)]; the unsafe code is the C ABI's, which
# tests/abi_memory.rs drives through every entry point. The core's
# `reference::` tests render every preset and take over ten minutes under
# Miri, so they are skipped here (`make unit` runs them).
miri:
	@echo "==> Miri: the C ABI (tests/abi_memory.rs) and the core's unit tests"
	@rustup component list --toolchain $(MIRI_TOOLCHAIN) --installed 2>/dev/null | grep -q '^miri' || { \
		echo "+ rustup toolchain install $(MIRI_TOOLCHAIN) --profile minimal --component miri,rust-src"; \
		rustup toolchain install $(MIRI_TOOLCHAIN) --profile minimal --component miri,rust-src; }
	MIRIFLAGS="$${MIRIFLAGS:--Zmiri-disable-isolation}" CARGO_TARGET_DIR=$(ROOT)/target/miri \
		$(CARGO) +$(MIRI_TOOLCHAIN) miri test -p contactguard-ffi --test abi_memory
	MIRIFLAGS="$${MIRIFLAGS:--Zmiri-disable-isolation}" CARGO_TARGET_DIR=$(ROOT)/target/miri \
		$(CARGO) +$(MIRI_TOOLCHAIN) miri test -p contactguard --lib -- --skip reference::
