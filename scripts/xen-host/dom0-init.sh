#!/bin/sh
# /init of the Xen test host's dom0 (initramfs, busybox). Output goes to hvc0,
# i.e. Xen's console on the QEMU serial port.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
export HOME=/root
say() { echo "xen-host-init: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /run/xen /run/lock /var/log/xen /var/lib/xen
mount -t devpts -o gid=0,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
hostname -F /etc/hostname

for m in $(cat /etc/modules); do
  insmod /lib/modules/$m.ko || say "insmod $m failed"
done
mount -t xenfs xenfs /proc/xen || say "mount xenfs failed"

i=0; while [ ! -e /dev/xen/privcmd ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
xenstored --pid-file /run/xenstored.pid || say "xenstored failed"
xen-init-dom0 || say "xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid || say "xenconsoled failed"

# QEMU user-mode networking: static address, gateway = the host
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 \
  || say "eth0 setup failed"

dropbear -r /etc/dropbear/dropbear_ed25519_host_key -p 22 -s -E 2>>/var/log/dropbear.log \
  || say "dropbear failed"

say "READY $(cat /etc/xen-host-build)"
while :; do sleep 3600; done
