#!/usr/bin/env bash
# Builds orchd and runs the whole test suite through ctest: first the regular build, then the
# same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
# ORCHD_TEST_SANITIZE=0 skips the sanitizer pass (a faster local loop).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
jobs=$(nproc)
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout, so another clone of the same sources reuses the cache.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

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
