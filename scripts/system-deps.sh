#!/usr/bin/env bash
# Installs the Debian packages virtkit builds, tests and benchmarks with.
# Idempotent: only runs apt when something is missing.
set -euo pipefail
PKGS=(
  pkg-config g++ make python3
  libvirt-dev libvirt-daemon-system libvirt-clients
  qemu-system-x86 qemu-utils dnsmasq-base iproute2
  python3-libvirt
  lxc busybox-static
  openssh-client sasl2-bin rsync
  valgrind
  virtinst osinfo-db genisoimage
  libxml2-utils libxml2-dev python3-lxml
  prometheus prometheus-libvirt-exporter
  clang-format
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
