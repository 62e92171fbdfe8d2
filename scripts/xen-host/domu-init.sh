#!/bin/sh
# /init of the example PV domU (busybox initrd). Prints a marker on the console
# (hvc0) and idles; /sbin/poweroff (= poweroff -f) lets `xl shutdown` work.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "DOMU-ALIVE $(uname -r)"
[ -c /dev/hvc0 ] && echo "DOMU-ALIVE $(uname -r)" >/dev/hvc0 2>/dev/null
while :; do sleep 3600; done
