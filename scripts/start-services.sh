#!/usr/bin/env bash
# Starts virtlogd and libvirtd (no systemd here), and prepares what the
# integration tests use: the `default` NAT network and a `dir` pool.
set -euo pipefail
mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/qemu
# Without udev, /dev/kvm stays root-only; QEMU runs as libvirt-qemu (group kvm).
if [ -c /dev/kvm ]; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
if ! pgrep -x virtlogd >/dev/null; then virtlogd -d; fi
if ! virsh -c qemu:///system version >/dev/null 2>&1; then
  # A libvirtd that was just killed may still be exiting: let it go first.
  for i in $(seq 1 50); do pgrep -x libvirtd >/dev/null || break; sleep 0.1; done
  pgrep -x libvirtd >/dev/null || libvirtd -d
fi
for i in $(seq 1 100); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.2
done
virsh -c qemu:///system version >/dev/null
# The default NAT network (virbr0) needs dnsmasq-base.
if ! virsh -c qemu:///system net-info default >/dev/null 2>&1; then
  virsh -c qemu:///system net-define /usr/share/libvirt/networks/default.xml >/dev/null
fi
# Right after a restart libvirtd may still be loading state: "already active" is fine.
active() { virsh -c qemu:///system "$1" "$2" 2>/dev/null | grep -E "$3" >/dev/null; }
for i in $(seq 1 50); do
  active net-info default 'Active:.*yes' && break
  virsh -c qemu:///system net-start default >/dev/null 2>&1 || sleep 0.2
done
active net-info default 'Active:.*yes'
# A dir pool traversable by the libvirt-qemu user.
POOL_DIR=/var/lib/virtkit/pool
mkdir -p "$POOL_DIR"; chmod 0755 /var/lib/virtkit "$POOL_DIR"
if ! virsh -c qemu:///system pool-info virtkit-pool >/dev/null 2>&1; then
  virsh -c qemu:///system pool-define-as virtkit-pool dir --target "$POOL_DIR" >/dev/null
fi
for i in $(seq 1 50); do
  active pool-info virtkit-pool 'State:.*running' && break
  virsh -c qemu:///system pool-start virtkit-pool >/dev/null 2>&1 || sleep 0.2
done
active pool-info virtkit-pool 'State:.*running'
echo "services: libvirtd up, network default active, pool virtkit-pool running"
