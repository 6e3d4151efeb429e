# The C ABI (crates/contactguard-ffi), its generated header, the C/C++ tests
# and the Java binding. Included by the root Makefile.
#
#   make header      regenerate include/contactguard.h with the pinned cbindgen
#   make ffi-test    header freshness, C/C++ tests (vectors included; the
#                    Redis ledger and the ledger scenarios against a private
#                    redis-server they start), the C example and the tests
#                    under AddressSanitizer and valgrind, and make
#                    install-test (mk/install.mk)
#   make java-test   the Java binding's JUnit tests (vectors included, and
#                    the ledger scenarios on memory and a private redis-server)
#                    on the default JDK (17), then java-test-jdks
#   make fleet-worker-cpp   build the C++ fleet worker (tests/fleet/worker.cpp)
#                    into build/fleet/worker-cpp and print its path
#   make fleet-worker-java  compile the Java fleet worker (a test class) and
#                    write the command that runs it to build/fleet/worker-java
#   make java-test-jdks  the Java unit tests and the bundled-jar tests again
#                    on each further JDK of JAVA_EXTRA_JDKS (Temurin 25); part
#                    of make java-test
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
# JDKs the Java tests also run on, besides the default `java` (17), which
# builds: the Temurin 25 that machines of this kind (CI's too) have. The
# library's classes are compiled with --release 8; no JDK 8 or 11 is
# packaged for this Debian, so those are compile-checked only.
JAVA_EXTRA_JDKS ?= /usr/lib/jvm/temurin-25-jdk-amd64

FLEET_BUILD := $(ROOT)/build/fleet

.PHONY: header header-check cbindgen ffi-deps ffi-lib ffi-test ffi-c-test java-deps java-test java-test-jdks bench-java \
	fleet-worker-cpp fleet-worker-java

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

# redis-deps (mk/redis.mk): the Redis tests start their own redis-server.
ffi-c-test: header-check ffi-deps redis-deps ffi-lib
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

## java-test: the Java binding's JUnit tests (vectors included), the jar's bundled library with no flags, mvn install, examples/java against it; then the tests again on Temurin 25
# Unit tests load the debug library with the panic hook (FFI_LIB); the *IT
# tests run on the packaged jar with no library path, which must load the
# release library it bundles; `install` puts the jar in the local Maven
# repository, where examples/java, a project of its own, finds it and runs
# with a plain `java -cp`.
java-test: java-deps redis-deps ffi-lib
	@echo "==> Java binding: unit tests, the packaged jar with no flags, mvn install"
	$(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml install -Dcontactguard.library.path=$(FFI_LIB)
	@echo "==> Java: examples/java against the installed artifact, no -D flags"
	$(MVN) $(MVN_FLAGS) -q -f $(JAVA_EXAMPLE)/pom.xml compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
	java -cp "$(JAVA_EXAMPLE)/target/classes:$$(cat $(JAVA_EXAMPLE)/target/classpath.txt)" example.Example | tee $(JAVA_EXAMPLE)/target/out.txt
	grep -q '^allow: no$$' $(JAVA_EXAMPLE)/target/out.txt
	$(MAKE) --no-print-directory java-test-jdks

## java-test-jdks: the Java unit tests (vectors included) and the bundled-jar tests again on each JDK of JAVA_EXTRA_JDKS (Temurin 25)
# Maven and javac stay on the default JDK; surefire and failsafe fork the
# tests on the other one (-Djvm). The surefire report's java.version proves
# which JVM ran them.
java-test-jdks: java-deps redis-deps ffi-lib
	@for jdk in $(JAVA_EXTRA_JDKS); do \
		[ -x "$$jdk/bin/java" ] || { echo "error: no JDK at $$jdk (set JAVA_EXTRA_JDKS)" >&2; exit 1; }; \
		version=$$("$$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p'); \
		echo "==> Java tests on $$jdk (java.version $$version)"; \
		echo "+ $(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml verify -Djvm=$$jdk/bin/java -Dcontactguard.library.path=$(FFI_LIB)"; \
		$(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml verify -Djvm=$$jdk/bin/java -Dcontactguard.library.path=$(FFI_LIB); \
		for r in $(JAVA_DIR)/target/surefire-reports/TEST-dev.contactguard.VectorsTest.xml \
			$(JAVA_DIR)/target/failsafe-reports/TEST-dev.contactguard.BundledLibraryIT.xml; do \
			grep -q "name=\"java.version\" value=\"$$version\"" "$$r" || \
				{ echo "error: $$r was not run on java $$version" >&2; exit 1; }; \
		done; \
	done

## bench-java: per-call cost from Java (JNI, JNA) beside the Rust call, in one run, on the release library
bench-java: java-deps
	$(MVN) $(MVN_FLAGS) -f $(JAVA_DIR)/pom.xml -DskipTests test-compile
	java -cp "$(JAVA_DIR)/target/test-classes:$(JAVA_DIR)/target/classes:$$(cat $(JAVA_DIR)/target/classpath.txt)" \
		dev.contactguard.Bench

## fleet-worker-cpp: the C++ fleet worker (tests/fleet/worker.cpp) on the release library, at build/fleet/worker-cpp
# The release library is copied beside it (build/fleet/lib), where its
# rpath points, so later cargo builds cannot swap it.
fleet-worker-cpp: ffi-deps ffi-release
	@mkdir -p $(FLEET_BUILD)/lib
	cp -f $(CARGO_TARGET)/release/libcontactguard_ffi.so $(FLEET_BUILD)/lib/
	$(CXX) -std=c++17 -O2 -Wall -Wextra -Wpedantic -Werror -I$(ROOT)/include $(ROOT)/tests/fleet/worker.cpp \
		-L$(FLEET_BUILD)/lib -Wl,-rpath,$(FLEET_BUILD)/lib -lcontactguard_ffi -o $(FLEET_BUILD)/worker-cpp
	@echo "fleet worker (C++): $(FLEET_BUILD)/worker-cpp URL POLICY_FILE SECRET"

## fleet-worker-java: the Java fleet worker (dev.contactguard.FleetWorker, a test class); its command line in build/fleet/worker-java
# The command runs the worker on the release library (JNA and JNI), copied
# to build/fleet/lib as fleet-worker-cpp does.
fleet-worker-java: java-deps ffi-release
	@mkdir -p $(FLEET_BUILD)/lib
	cp -f $(CARGO_TARGET)/release/libcontactguard_ffi.so $(FLEET_BUILD)/lib/
	$(MVN) $(MVN_FLAGS) -q -f $(JAVA_DIR)/pom.xml -DskipTests -Dcontactguard.native.lib=$(FLEET_BUILD)/lib/libcontactguard_ffi.so test-compile
	@cp=$$(cat $(JAVA_DIR)/target/classpath.txt); \
	printf '%s\n' '#!/bin/sh' \
		"exec java -Djna.library.path=$(FLEET_BUILD)/lib -cp '$(JAVA_DIR)/target/test-classes:$(JAVA_DIR)/target/classes:$$cp' dev.contactguard.FleetWorker \"\$$@\"" \
		> $(FLEET_BUILD)/worker-java
	@chmod +x $(FLEET_BUILD)/worker-java
	@echo "fleet worker (Java): $(FLEET_BUILD)/worker-java URL POLICY_FILE SECRET"
