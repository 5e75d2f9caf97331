#!/usr/bin/env bash
# The crash test of SPEC §15 at full length: builds orchd and crash_load_e2e_test (the regular
# build in build/test, as scripts/test.sh does) and kills orchd KILLS times (default 100) under
# mixed load — Adds, fires, TLS agents polling, configuring and completing, Unschedules —
# restarting it on the same database each time, then checks the database. SEED repeats a run
# (the test prints the seed it used). Prints the test's summary line at the end, for
# docs/hardening.md.
#   scripts/crash.sh
#   KILLS=20 SEED=12345 scripts/crash.sh
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/build-env.sh
cmake -S . -B build/test -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build build/test -j "$(nproc)" --target orchd crash_load_e2e_test

export ORCHD_CRASH_KILLS="${KILLS:-100}"
if [[ -n "${SEED:-}" ]]; then export ORCHD_CRASH_SEED="$SEED"; fi
log=build/test/crash_load.log
status=0
build/test/tests/crash_load_e2e_test 2>&1 | tee "$log" || status=$?
echo "== summary (commit $(git rev-parse --short HEAD)) =="
grep -E '^crash-load (seed|summary)' "$log" || echo "no summary: the test stopped early"
exit "$status"
