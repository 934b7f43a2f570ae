#!/bin/sh
# The whole test suite: a gcc build with -Werror, then a clang build with
# ASan+UBSan and the libFuzzer targets (short fuzz runs over the committed
# corpus). ctest runs every test in both; skipped tests print their reason.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

echo "== gcc build (-Werror) =="
cmake -S . -B build-test -DWERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test --output-on-failure -j"$jobs"

echo "== clang build (ASan+UBSan, libFuzzer) =="
CC=clang cmake -S . -B build-san -DCMAKE_C_COMPILER=clang -DWERROR=ON \
	-DSANITIZE=ON -DFUZZ=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-san -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-san --output-on-failure -j"$jobs"
