# The C ABI (crates/contactguard-ffi), its generated header, the C/C++ tests
# and the Java binding. Included by the root Makefile.
#
#   make header      regenerate include/contactguard.h with the pinned cbindgen
#   make ffi-test    header freshness, C/C++ tests (vectors included), the C
#                    example and the tests under AddressSanitizer and
#                    valgrind, and make install-test (mk/install.mk)
#   make java-test   the Java binding's JUnit tests (vectors included)
#   make bench-java  per-call timings from Java through JNI and JNA beside the
#                    Rust call, in one run (not a test)

CBINDGEN_VERSION := 0.29.4
FFI_TOOLS := $(ROOT)/target/tools
CBINDGEN := $(FFI_TOOLS)/bin/cbindgen
FFI_LIB := $(ROOT)/target/ffi-test
FFI_BUILD := $(ROOT)/build/ffi
FFI_ASAN_BUILD := $(ROOT)/build/ffi-asan
FFI_HEADER := $(ROOT)/include/contactguard.h
CBINDGEN_RUN = $(CBINDGEN) --quiet --config $(ROOT)/crates/contactguard-ffi/cbindgen.toml --crate contactguard-ffi
JAVA_DIR := $(ROOT)/bindings/java
JAVA_EXAMPLE := $(ROOT)/examples/java
MVN ?= mvn
MVN_FLAGS ?= -B -ntp
# Debian packages the C/C++ tests need; installed when missing.
FFI_APT := cmake g++ pkg-config libgtest-dev nlohmann-json3-dev valgrind
JAVA_APT := openjdk-17-jdk-headless maven

.PHONY: header header-check cbindgen ffi-deps ffi-lib ffi-test ffi-c-test java-deps java-test bench-java

# cbindgen at the pinned version, installed into target/tools.
cbindgen:
	@if ! "$(CBINDGEN)" --version 2>/dev/null | grep -qx "cbindgen $(CBINDGEN_VERSION)"; then \
		echo "+ cargo install cbindgen --version $(CBINDGEN_VERSION) --locked --root $(FFI_TOOLS)"; \
		$(CARGO) install cbindgen --version $(CBINDGEN_VERSION) --locked --root "$(FFI_TOOLS)"; \
	fi

## header: regenerate include/contactguard.h
header: cbindgen
	$(CBINDGEN_RUN) --output $(FFI_HEADER) $(ROOT)/crates/contactguard-ffi

header-check: cbindgen
	@echo "==> include/contactguard.h is fresh (regenerate with: make header)"
	@tmp=$$(mktemp --suffix=.h); trap 'rm -f "$$tmp"' EXIT; \
	$(CBINDGEN_RUN) --output "$$tmp" $(ROOT)/crates/contactguard-ffi; \
	diff -u $(FFI_HEADER) "$$tmp" || { echo "error: include/contactguard.h is stale: run make header" >&2; exit 1; }

ffi-deps:
	@missing=""; for p in $(FFI_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "+ apt-get install -y$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# The library the C, C++ and Java tests load: a debug build with the
# `test-panic` hook (never in a release build), copied aside so that other
# builds of target/debug cannot swap it under the tests.
ffi-lib:
	@echo "==> C ABI library for the tests"
	$(CARGO) build -p contactguard-ffi --features test-panic
	@mkdir -p $(FFI_LIB)/pkgconfig
	cp -f $(CARGO_TARGET)/debug/libcontactguard_ffi.so $(CARGO_TARGET)/debug/libcontactguard_ffi.a $(FFI_LIB)/
	@version=$$(sed -n 's/^#define CG_VERSION_STRING "\(.*\)"/\1/p' $(FFI_HEADER)); \
	sed -e "s|@PREFIX@|$(ROOT)|" -e "s|@INCLUDEDIR@|$(ROOT)/include|" -e "s|@LIBDIR@|$(FFI_LIB)|" \
		-e "s|@VERSION@|$$version|" $(ROOT)/crates/contactguard-ffi/contactguard.pc.in > $(FFI_LIB)/pkgconfig/contactguard.pc

## ffi-test: C ABI header freshness; C and C++ tests and vectors, plain, under valgrind and under ASan; make install-test
ffi-test: header-check ffi-deps ffi-lib ffi-c-test install-test

ffi-c-test: header-check ffi-deps ffi-lib
	@echo "==> C and C++ tests, and the same under valgrind"
	cmake -S $(ROOT)/tests/c -B $(FFI_BUILD) -DCG_LIB_DIR=$(FFI_LIB) -DCG_VALGRIND=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(FFI_BUILD) -j2
	cd $(FFI_BUILD) && ctest --output-on-failure -j2
	@echo "==> C and C++ tests under AddressSanitizer"
	cmake -S $(ROOT)/tests/c -B $(FFI_ASAN_BUILD) -DCG_LIB_DIR=$(FFI_LIB) -DCG_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug >/dev/null
	cmake --build $(FFI_ASAN_BUILD) -j2
	cd $(FFI_ASAN_BUILD) && ctest --output-on-failure -j2

java-deps:
	@missing=""; command -v java >/dev/null || missing="$$missing openjdk-17-jdk-headless"; \
	command -v $(MVN) >/dev/null || missing="$$missing maven"; \
	if [ -n "$$missing" ]; then \
		echo "+ apt-get install -y$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

## java-test: the Java binding's JUnit tests (vectors included), the jar's bundled library with no flags, mvn install, and examples/java against it
# Unit tests load the debug library with the panic hook (FFI_LIB); the *IT
# tests run on the packaged jar with no library path, which must load the
# release library it bundles; `install` puts the jar in the local Maven
# repository, where examples/java, a project of its own, finds it and runs
# with a plain `java -cp`.
java-test: java-deps ffi-lib
	@echo "==> Java binding: unit tests, the packaged jar with no flags, mvn install"
	$(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml install -Dcontactguard.library.path=$(FFI_LIB)
	@echo "==> Java: examples/java against the installed artifact, no -D flags"
	$(MVN) $(MVN_FLAGS) -q -f $(JAVA_EXAMPLE)/pom.xml compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
	java -cp "$(JAVA_EXAMPLE)/target/classes:$$(cat $(JAVA_EXAMPLE)/target/classpath.txt)" example.Example | tee $(JAVA_EXAMPLE)/target/out.txt
	grep -q '^allow: no$$' $(JAVA_EXAMPLE)/target/out.txt

## bench-java: per-call cost from Java (JNI, JNA) beside the Rust call, in one run, on the release library
bench-java: java-deps
	$(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml -DskipTests test-compile
	java -cp "$(JAVA_DIR)/target/test-classes:$(JAVA_DIR)/target/classes:$$(cat $(JAVA_DIR)/target/classpath.txt)" \
		dev.contactguard.Bench
