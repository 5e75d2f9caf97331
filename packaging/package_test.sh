#!/usr/bin/env bash
# Builds the two Debian packages from a build directory with CPack (which builds nothing, so
# the binaries must be built already) and checks them: the files SPEC §18 lists, conffiles,
# maintainer scripts that enable nothing, an install into a scratch root, and lintian.
# Usage: package_test.sh BUILD_DIR CPACK VERSION
set -euo pipefail

build_dir=$1 cpack=$2 version=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Given the build directory, CPack makes orchd_VERSION_ARCH.deb and orch-agent_VERSION_ARCH.deb.
if ! (cd "$build_dir" && "$cpack" -G DEB -B "$work/out") >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  echo "FAIL: cpack could not make the packages (are orchd, orchctl and orch-agent built?)"
  exit 1
fi
arch=$(dpkg --print-architecture)
orchd_deb="$work/out/orchd_${version}_${arch}.deb"
agent_deb="$work/out/orch-agent_${version}_${arch}.deb"
for deb in "$orchd_deb" "$agent_deb"; do
  [[ -f $deb ]] || { ls "$work/out"; echo "FAIL: no $deb"; exit 1; }
done

# Each package holds the files SPEC §18 gives it, and not the other package's binary.
orchd_files=$(dpkg-deb -c "$orchd_deb" | awk '{ print $6 }')
agent_files=$(dpkg-deb -c "$agent_deb" | awk '{ print $6 }')
expect_files() {  # package name, listing, paths...
  local name=$1 listing=$2; shift 2
  for path in "$@"; do
    grep -qxF ".$path" <<<"$listing" || fail "$name lacks $path"
  done
}
expect_files orchd "$orchd_files" \
  /usr/bin/orchd /usr/bin/orchctl \
  /usr/lib/systemd/system/orchd.service /usr/lib/systemd/system/orchd.socket \
  /usr/lib/sysusers.d/orchd.conf /usr/lib/tmpfiles.d/orchd.conf \
  /etc/orchd/orchd.yaml \
  /usr/share/bash-completion/completions/orchctl \
  /usr/share/man/man8/orchd.8.gz /usr/share/man/man1/orchctl.1.gz \
  /usr/share/man/man5/orchd.yaml.5.gz \
  /usr/share/doc/orchd/README.md /usr/share/doc/orchd/copyright \
  /usr/share/doc/orchd/changelog.gz /usr/share/doc/orchd/docs/configuration.md \
  /usr/share/doc/orchd/docs/operations.md /usr/share/doc/orchd/docs/orchctl.md
expect_files orch-agent "$agent_files" \
  /usr/bin/orch-agent /usr/lib/systemd/system/orch-agent.service \
  /usr/share/man/man8/orch-agent.8.gz \
  /usr/share/doc/orch-agent/examples/orch-agent.yaml /usr/share/doc/orch-agent/orch-agent.md \
  /usr/share/doc/orch-agent/copyright /usr/share/doc/orch-agent/changelog.gz
grep -q 'orch-agent$' <<<"$orchd_files" && fail "orchd holds orch-agent"
grep -qE '/(orchd|orchctl)$' <<<"$agent_files" && fail "orch-agent holds orchd's binaries"

# Control fields: section admin, shared-library dependencies computed, and the changelog's
# latest entry is this version.
for deb in "$orchd_deb" "$agent_deb"; do
  name=$(basename "$deb")
  [[ $(dpkg-deb -f "$deb" Section) == admin ]] || fail "$name: Section is not admin"
  [[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "$name: Version is not $version"
  dpkg-deb -f "$deb" Depends | grep -q 'libc6 (>=' || fail "$name: Depends lacks libc6 (shlibdeps)"
  [[ -n $(dpkg-deb -f "$deb" Maintainer) ]] || fail "$name: no Maintainer"
  changelog=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/share/doc/${name%%_*}/changelog.gz" \
    | gzip -dc)
  [[ ${changelog%%$'\n'*} == *"($version)"* ]] || fail "$name: changelog's latest entry is not $version"
done
dpkg-deb -f "$orchd_deb" Depends | grep -qE '(^|, )systemd(,|$)' || fail "orchd does not depend on systemd"

# Every file under /etc is a conffile, and /etc/orchd/orchd.yaml is one.
dpkg-deb -e "$orchd_deb" "$work/orchd.control"
dpkg-deb -e "$agent_deb" "$work/agent.control"
[[ $(cat "$work/orchd.control/conffiles") == /etc/orchd/orchd.yaml ]] \
  || fail "orchd's conffiles is not exactly /etc/orchd/orchd.yaml: $(cat "$work/orchd.control/conffiles")"
grep -q '^\./etc/.*[^/]$' <<<"$agent_files" && fail "orch-agent ships a file in /etc"

# Maintainer scripts enable and start nothing; orchd's postinst makes its user and directories.
for script in "$work"/orchd.control/{preinst,postinst,prerm,postrm} \
              "$work"/agent.control/{preinst,postinst,prerm,postrm}; do
  [[ -f $script ]] || continue
  # Commands only: comment lines may tell the administrator what to run.
  grep -nE 'systemctl|deb-systemd-helper|deb-systemd-invoke|invoke-rc\.d|update-rc\.d' "$script" \
    | grep -vE '^[0-9]+:[[:space:]]*#' && fail "$(basename "$script") enables or starts a unit"
done
grep -q 'systemd-sysusers' "$work/orchd.control/postinst" || fail "orchd's postinst runs no systemd-sysusers"
grep -q 'systemd-tmpfiles' "$work/orchd.control/postinst" || fail "orchd's postinst runs no systemd-tmpfiles"

# The man pages format without warnings.
for page in orchd.8 orchctl.1 orchd.yaml.5 orch-agent.8; do
  deb=$orchd_deb; [[ $page == orch-agent.8 ]] && deb=$agent_deb
  section=${page##*.}
  warnings=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/share/man/man$section/$page.gz" \
    | gzip -dc | groff -man -ww -z 2>&1) || fail "$page does not format"
  [[ -z $warnings ]] || fail "$page: $warnings"
done

# Installed into a scratch root: as root with dpkg --root, which runs orchd's postinst on this
# host with DPKG_ROOT set (dependencies are not in the scratch root's database, hence
# --force-depends); otherwise only unpacked with dpkg-deb -x.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
if [[ $(id -u) -eq 0 ]]; then
  host_passwd=$(sha256sum /etc/passwd /etc/group)
  if dpkg --root="$root" --force-not-root --force-script-chrootless --force-depends \
       --log=/dev/null -i "$orchd_deb" "$agent_deb" >"$work/dpkg.log" 2>&1; then
    for pkg in orchd orch-agent; do
      dpkg --root="$root" -s "$pkg" | grep -qx 'Status: install ok installed' \
        || fail "$pkg is not installed in the scratch root"
    done
    grep -qE '^orchd:x:[0-9]+:[0-9]+:.*:/var/lib/orchd:' "$root/etc/passwd" \
      || fail "postinst made no orchd user in the scratch root"
    grep -qE '^orchd:x:' "$root/etc/group" || fail "postinst made no orchd group in the scratch root"
    [[ -d $root/var/lib/orchd ]] || fail "postinst made no /var/lib/orchd"
    [[ $(sha256sum /etc/passwd /etc/group) == "$host_passwd" ]] \
      || fail "postinst changed this host's /etc/passwd or /etc/group"
  else
    cat "$work/dpkg.log"; fail "dpkg --root could not install the packages"
  fi
else
  echo "not root: unpacking with dpkg-deb -x instead of dpkg --root (postinst not run)"
  dpkg-deb -x "$orchd_deb" "$root" && dpkg-deb -x "$agent_deb" "$root"
fi
for binary in orchd orchctl orch-agent; do
  out=$("$root/usr/bin/$binary" --version 2>&1) || true
  [[ $out == "$binary $version" ]] || fail "installed $binary --version printed: $out"
done

# lintian reports no errors (E: lines); warnings are shown, not judged.
if ! command -v lintian >/dev/null; then
  echo "lintian is not installed: lintian check skipped (scripts/install-deps.sh installs it)"
else
  rc=0
  timeout 120 lintian --tag-display-limit 0 "$orchd_deb" "$agent_deb" >"$work/lintian.log" 2>&1 || rc=$?
  grep -v 'running with root privileges' "$work/lintian.log" || true
  if [[ $rc -eq 124 ]]; then
    echo "lintian did not finish within 120 s: its verdict is not judged"
  else
    # lintian exits non-zero for errors only (--fail-on error), or when it cannot run.
    if grep -q '^E:' "$work/lintian.log"; then
      fail "lintian reports errors"
    elif [[ $rc -ne 0 ]]; then
      fail "lintian failed (exit $rc)"
    fi
  fi
fi

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "packages ok: $(basename "$orchd_deb") $(basename "$agent_deb")"
