#!/usr/bin/env bash
# Starts virtlogd and libvirtd (no systemd here), and prepares what the
# integration tests use: the `default` NAT network and a `dir` pool.
set -euo pipefail
mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt/qemu
# Without udev, /dev/kvm stays root-only; QEMU runs as libvirt-qemu (group kvm).
if [ -c /dev/kvm ]; then chgrp kvm /dev/kvm && chmod 0660 /dev/kvm; fi
if ! pgrep -x virtlogd >/dev/null; then virtlogd -d; fi
if ! pgrep -x libvirtd >/dev/null; then libvirtd -d; fi
for i in $(seq 1 100); do
  virsh -c qemu:///system version >/dev/null 2>&1 && break
  sleep 0.2
done
virsh -c qemu:///system version >/dev/null
# The default NAT network (virbr0) needs dnsmasq-base.
if ! virsh -c qemu:///system net-info default >/dev/null 2>&1; then
  virsh -c qemu:///system net-define /usr/share/libvirt/networks/default.xml >/dev/null
fi
if ! virsh -c qemu:///system net-info default | grep -q 'Active:.*yes'; then
  virsh -c qemu:///system net-start default >/dev/null
fi
# A dir pool traversable by the libvirt-qemu user.
POOL_DIR=/var/lib/virtkit/pool
mkdir -p "$POOL_DIR"; chmod 0755 /var/lib/virtkit "$POOL_DIR"
if ! virsh -c qemu:///system pool-info virtkit-pool >/dev/null 2>&1; then
  virsh -c qemu:///system pool-define-as virtkit-pool dir --target "$POOL_DIR" >/dev/null
fi
if ! virsh -c qemu:///system pool-info virtkit-pool | grep -q 'State:.*running'; then
  virsh -c qemu:///system pool-start virtkit-pool >/dev/null
fi
echo "services: libvirtd up, network default active, pool virtkit-pool running"
