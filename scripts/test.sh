#!/usr/bin/env bash
# Builds orchd and runs the whole test suite through ctest: first the regular build, then the
# same suite under AddressSanitizer and UndefinedBehaviorSanitizer, then every fuzz target
# (clang, libFuzzer) over its corpus and a few seconds of fuzzing each.
# ORCHD_TEST_SANITIZE=0 skips the sanitizer and fuzz passes (a faster local loop);
# ORCHD_FUZZ_SECONDS sets the fuzzing time per target (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/build-env.sh
jobs=$(nproc)

run_suite() {  # name, extra cmake arguments...
  local dir="build/$1"; shift
  cmake -S . -B "$dir" -G Ninja "${launcher[@]}" "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 300)
}

echo "== regular build =="
# Line tables (-g1) are enough for failure reports and sanitizer traces, and build much faster.
run_suite test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
if [[ "${ORCHD_TEST_SANITIZE:-1}" != 0 ]]; then
  echo "== ASan+UBSan build =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DORCHD_SANITIZE=ON
fi
if [[ "${ORCHD_TEST_SANITIZE:-1}" != 0 ]]; then
  echo "== fuzz targets (clang, libFuzzer, ASan+UBSan) =="
  cmake -S . -B build/fuzz -G Ninja "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DORCHD_FUZZ=ON \
    -DORCHD_FUZZ_SECONDS="${ORCHD_FUZZ_SECONDS:-10}" >/dev/null
  cmake --build build/fuzz -j "$jobs" --target fuzz_targets
  (cd build/fuzz && ctest --output-on-failure -j "$jobs" -L fuzz)
fi
