#!/usr/bin/env bash
# Builds orchd and orchctl and runs orchd in the foreground with its embedded defaults: state under ./var,
# control socket ./var/orchd.sock. Extra arguments go to orchd (for example --config FILE).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/build-env.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DORCHD_BUILD_TESTS=OFF \
  "${launcher[@]}" >/dev/null
cmake --build build/release --target orchd orchctl

if [[ $# -eq 0 ]]; then
  echo "orchd: control socket ./var/orchd.sock (try: build/release/cli/orchctl status)"
fi
exec build/release/daemon/orchd "$@"
