#!/usr/bin/env bash
# Long fuzzing campaigns: builds the fuzz targets (as scripts/test.sh does) and runs each for
# SECONDS (default 3600) or until RUNS executions (default 10 000 000), whichever comes first,
# on JOBS cores at a time (default: all). New inputs go to build/fuzz/found/<target>; a crash
# is written there as crash-* and makes the script fail. The last lines of each target's log
# (executions, coverage, peak memory) are printed at the end, for docs/hardening.md.
#   scripts/fuzz.sh                 # every target
#   SECONDS_EACH=600 scripts/fuzz.sh query_fuzz schedule_fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/build-env.sh
cmake -S . -B build/fuzz -G Ninja "${launcher[@]}" -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DORCHD_FUZZ=ON >/dev/null
cmake --build build/fuzz -j "$(nproc)" --target fuzz_targets

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  mapfile -t targets < <(cd tests/fuzz/corpus && ls)
fi
seconds=${SECONDS_EACH:-3600}
runs=${RUNS:-10000000}
jobs=${JOBS:-$(nproc)}
mkdir -p build/fuzz/logs

# libFuzzer's -timeout counts wall time: 30 s flags a hang without mistaking a run starved by
# other work on the machine for one (a 10 s limit did, on an input that takes 21 ms).
run_one() {
  local target=$1 found="build/fuzz/found/$1"
  mkdir -p "$found"
  "build/fuzz/tests/fuzz/$target" -max_total_time="$seconds" -runs="$runs" -timeout=30 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$found/" \
    "$found" "tests/fuzz/corpus/$target" >"build/fuzz/logs/$target.log" 2>&1
}

failed=0
running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while [[ $running -gt 0 ]]; do
  wait -n || failed=1
  running=$((running - 1))
done

for target in "${targets[@]}"; do
  echo "== $target"
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+\s+DONE)" \
    "build/fuzz/logs/$target.log" || true
  grep -E "^cov:|\s+cov: " "build/fuzz/logs/$target.log" | tail -1 || true
  ls "build/fuzz/found/$target" | grep -E "^(crash|timeout|oom|leak)-" || true
done
exit $failed
