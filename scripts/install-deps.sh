#!/usr/bin/env bash
# Installs the Debian 12 packages orchd needs to build, test and run, if any are missing.
# Idempotent: with everything present it prints nothing and returns at once.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache git
  # libraries (SPEC §2)
  libboost-dev libssl-dev libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev libspdlog-dev
  nlohmann-json3-dev libhowardhinnant-date-dev libsystemd-dev libcli11-dev
  libgtest-dev libgmock-dev
  # fuzzing: clang with libFuzzer and its sanitizers
  clang libclang-rt-dev
  # run time and tests: time zones, systemd tools (systemd-analyze, systemd-socket-activate),
  # openssl for certificate checks, curl for the quick start
  tzdata systemd openssl curl ca-certificates
  # packaging (SPEC §18): dpkg-shlibdeps for cpack's dependencies, lintian and groff for the
  # package test
  dpkg-dev lintian groff-base
)

# One dpkg-query for all packages; names it does not know at all are missing too.
installed=$(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null \
  | awk '$2 == "installed" { print $1 }' || true)
missing=()
for p in "${packages[@]}"; do
  grep -qx -- "$p" <<<"$installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
