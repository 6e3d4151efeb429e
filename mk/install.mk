# Installing the C ABI for C and C++ programs (docs/c.md). Included by the
# root Makefile.
#
#   make install PREFIX=/opt/contactguard
#                      release shared and static libraries, contactguard.h
#                      and contactguard.hpp, a pkg-config file and a CMake
#                      package (find_package(contactguard)), and the valgrind
#                      suppression file; DESTDIR is honoured for staging, and
#                      LIBDIR, INCLUDEDIR and DATADIR may be set apart
#   make install-test  install into a temporary prefix and build and run
#                      examples/c/decide.c through pkg-config (shared, and
#                      fully static with --static) and through a CMake
#                      find_package project (shared and static); part of
#                      `make ffi-test`

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
DESTDIR ?=
CC ?= cc
FFI_DIR := $(ROOT)/crates/contactguard-ffi
# The paths written into the pkg-config file and the CMake package.
INSTALL_LIBDIR = $(abspath $(LIBDIR))
INSTALL_INCLUDEDIR = $(abspath $(INCLUDEDIR))
INSTALL_DATADIR = $(abspath $(DATADIR))

.PHONY: ffi-release install install-test

ffi-release:
	@echo "==> C ABI library, release build"
	$(CARGO) build --release -p contactguard-ffi

## install: the C ABI (release .so and .a), contactguard.h/.hpp, contactguard.pc and a CMake package into PREFIX (default /usr/local)
install: ffi-release
	@echo "==> install into $(DESTDIR)$(abspath $(PREFIX))"
	@version=$$(sed -n 's/^#define CG_VERSION_STRING "\(.*\)"/\1/p' $(FFI_HEADER)); \
	abi=$$(sed -n 's/^#define CG_ABI_VERSION \([0-9]*\)$$/\1/p' $(FFI_HEADER)); \
	lib="$(DESTDIR)$(INSTALL_LIBDIR)"; inc="$(DESTDIR)$(INSTALL_INCLUDEDIR)"; share="$(DESTDIR)$(INSTALL_DATADIR)"; \
	set -x; \
	install -d "$$lib/pkgconfig" "$$lib/cmake/contactguard" "$$inc" "$$share/contactguard"; \
	install -m 755 "$(CARGO_TARGET)/release/libcontactguard_ffi.so" "$$lib/"; \
	install -m 644 "$(CARGO_TARGET)/release/libcontactguard_ffi.a" "$$lib/"; \
	install -m 644 $(ROOT)/include/contactguard.h $(ROOT)/include/contactguard.hpp "$$inc/"; \
	install -m 644 $(ROOT)/tests/c/valgrind.supp "$$share/contactguard/valgrind.supp"; \
	subst="s|@PREFIX@|$(abspath $(PREFIX))|;s|@LIBDIR@|$(INSTALL_LIBDIR)|;s|@INCLUDEDIR@|$(INSTALL_INCLUDEDIR)|;s|@DATADIR@|$(INSTALL_DATADIR)|;s|@VERSION@|$$version|;s|@ABI_VERSION@|$$abi|"; \
	sed -e "$$subst" $(FFI_DIR)/contactguard.pc.in > "$$lib/pkgconfig/contactguard.pc"; \
	sed -e "$$subst" $(FFI_DIR)/contactguard-config.cmake.in > "$$lib/cmake/contactguard/contactguard-config.cmake"; \
	sed -e "$$subst" $(FFI_DIR)/contactguard-config-version.cmake.in > "$$lib/cmake/contactguard/contactguard-config-version.cmake"

## install-test: install into a temporary prefix; build and run examples/c/decide.c via pkg-config (shared, static) and CMake find_package
install-test: ffi-deps
	@echo "==> make install into a temporary prefix, then link the C example against it"
	@dir=$$(mktemp -d /tmp/contactguard-install.XXXXXX); trap 'rm -rf "$$dir"' EXIT; \
	run() { printf '+ %s\n' "$$*"; "$$@"; }; \
	expect_denied() { out=$$("$$1"); printf '%s\n' "$$out" | sed 's/^/    /'; \
		printf '%s\n' "$$out" | grep -q '^allow: no$$' || { echo "error: $$1 did not print 'allow: no'" >&2; exit 1; }; }; \
	run $(MAKE) --no-print-directory install PREFIX="$$dir/prefix"; \
	export PKG_CONFIG_PATH="$$dir/prefix/lib/pkgconfig"; \
	libdir=$$(pkg-config --variable=libdir contactguard); \
	echo "+ pkg-config --modversion contactguard: $$(pkg-config --modversion contactguard)"; \
	run $(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror $(ROOT)/examples/c/decide.c \
		$$(pkg-config --cflags --libs contactguard) -o "$$dir/decide-shared"; \
	readelf -d "$$dir/decide-shared" | grep -qE "(RPATH|RUNPATH).*\[$$libdir\]" \
		|| { echo "error: decide-shared has no rpath to $$libdir" >&2; exit 1; }; \
	readelf -d "$$dir/decide-shared" | grep -q 'NEEDED.*\[libcontactguard_ffi.so\]' \
		|| { echo "error: decide-shared does not load libcontactguard_ffi.so by its soname" >&2; exit 1; }; \
	expect_denied "$$dir/decide-shared"; \
	run $(CC) -std=c11 -Wall -Wextra -Wpedantic -Werror -static $(ROOT)/examples/c/decide.c \
		$$(pkg-config --static --cflags --libs contactguard) -o "$$dir/decide-static"; \
	if readelf -d "$$dir/decide-static" 2>/dev/null | grep -q NEEDED; then \
		echo "error: decide-static has dynamic dependencies" >&2; exit 1; fi; \
	expect_denied "$$dir/decide-static"; \
	run cmake -S $(ROOT)/examples/cmake -B "$$dir/cmake" -DCMAKE_PREFIX_PATH="$$dir/prefix" >/dev/null; \
	run cmake --build "$$dir/cmake" >/dev/null; \
	if readelf -d "$$dir/cmake/decide_static" | grep -q 'NEEDED.*contactguard'; then \
		echo "error: decide_static links libcontactguard_ffi.so" >&2; exit 1; fi; \
	expect_denied "$$dir/cmake/decide_shared"; \
	expect_denied "$$dir/cmake/decide_static"; \
	echo "install-test: pkg-config (shared, static) and CMake (shared, static) builds ran"
