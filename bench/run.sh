#!/usr/bin/env bash
# Builds a release orchd and orch-bench in build/bench and runs benchmark scenarios (SPEC §14),
# writing bench/results/<scenario>.json and printing one summary line per scenario.
#
#   bench/run.sh B1 B3            # the named scenarios (B1, B2, B3, B5)
#   bench/run.sh all              # all of them
#   RUNS=5 bench/run.sh B1        # runs per scenario (default 3); the report has the median
#   bench/run.sh B5 -- --rows 1000000   # arguments after -- go to every orch-bench call
#   bench/run.sh B1 -- --depth 1        # B1 with one Add in flight per client (default 16)
#
# JOBS sets the build parallelism (default: nproc).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: bench/run.sh {B1|B2|B3|B5|all}... [-- orch-bench arguments]" >&2; exit 2; }

scenarios=()
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --) shift; extra=("$@"); break ;;
    all) scenarios+=(B1 B2 B3 B5) ;;
    B1|B2|B3|B5) scenarios+=("$1") ;;
    *) usage ;;
  esac
  shift
done
[[ ${#scenarios[@]} -gt 0 ]] || usage

scripts/install-deps.sh
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DORCHD_BUILD_BENCH=ON \
  "${launcher[@]}" >/dev/null
cmake --build build/bench -j "${JOBS:-$(nproc)}" --target orchd orch_bench

source_rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
summaries=()
for s in "${scenarios[@]}"; do
  log=$(mktemp)
  build/bench/bench/orch-bench "$s" --orchd build/bench/daemon/orchd --runs "${RUNS:-3}" \
    --out bench/results --source "commit ${source_rev} plus the working tree" "${extra[@]}" \
    | tee "$log"
  summaries+=("$(grep -E "^$s median of" "$log")")
  rm -f "$log"
done

echo
printf '%s\n' "${summaries[@]}"
