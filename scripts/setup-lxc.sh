#!/usr/bin/env bash
# Idempotent: install the Debian packages virtkit's LXC backend and its integration
# tests need: lxc tools, busybox-static (for the busybox template), rsync (lxc-copy and
# lxc-snapshot of dir-backed containers rsync the rootfs). Safe to re-run.
# Waits for the dpkg lock if another apt/dpkg is running.
set -euo pipefail

PKGS=(lxc busybox-static rsync)
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup-lxc: all packages present (${PKGS[*]})"
  exit 0
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo -n); fi

APT_OPTS=(-o DPkg::Lock::Timeout=600 -y -q)
# apt-get update does not honour DPkg::Lock::Timeout for the lists lock: retry while
# another apt run holds it (up to ~10 minutes).
retry() {
  local i
  for i in $(seq 1 120); do
    if "$@"; then return 0; fi
    echo "setup-lxc: '$*' failed (attempt $i), apt/dpkg probably locked; retrying in 5 s" >&2
    sleep 5
  done
  return 1
}
retry "${SUDO[@]}" apt-get "${APT_OPTS[@]}" update
retry "${SUDO[@]}" apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing[@]}"
echo "setup-lxc: installed ${missing[*]}"
