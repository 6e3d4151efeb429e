#!/usr/bin/env bash
# Puts the contactguard C ABI library for this platform into the jar's
# classes, at JNA's resource path (linux-x86-64/libcontactguard_ffi.so...),
# so that the binding loads it with no -D flags. Maven runs it in the
# generate-resources phase (pom.xml):
#
#   build-native.sh OUTPUT_DIR [LIBRARY]
#
# LIBRARY is a prebuilt libcontactguard_ffi (-Dcontactguard.native.lib=...);
# without it the library is built here with `cargo build --release`, in
# CARGO_TARGET_DIR when that is set.
set -euo pipefail
out=${1:?usage: build-native.sh OUTPUT_DIR [LIBRARY]}
lib=${2:-}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

case "$(uname -s)" in
    Linux) os=linux; file=libcontactguard_ffi.so ;;
    Darwin) os=darwin; file=libcontactguard_ffi.dylib ;;
    *) echo "build-native.sh: $(uname -s) is not supported; pass -Dcontactguard.native.lib" >&2; exit 1 ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x86-64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) echo "build-native.sh: $(uname -m) is not supported" >&2; exit 1 ;;
esac
prefix="$os-$arch" # JNA's Platform.RESOURCE_PREFIX

if [ -z "$lib" ]; then
    export PATH="$PATH:$HOME/.cargo/bin"
    (cd "$repo" && set -x && cargo build --release -q -p contactguard-ffi)
    target=${CARGO_TARGET_DIR:-target}
    case "$target" in /*) ;; *) target="$repo/$target" ;; esac
    lib="$target/release/$file"
fi
[ -f "$lib" ] || { echo "build-native.sh: no library at $lib" >&2; exit 1; }
mkdir -p "$out/$prefix"
cp -f "$lib" "$out/$prefix/$file"
# The release profile keeps debug info for profiling; the jar needs none.
if command -v strip >/dev/null; then strip -S "$out/$prefix/$file" 2>/dev/null || true; fi
echo "build-native.sh: $lib -> $prefix/$file"
