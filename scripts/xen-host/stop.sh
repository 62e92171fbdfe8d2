#!/usr/bin/env bash
# Stop the Xen test host started by boot.sh (kills only the QEMU recorded in qemu.pid).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
W=${XEN_HOST_DIR:-$(cd "$HERE/../.." && pwd)/.xen-host}
PIDF=$W/qemu.pid
if [ -s "$PIDF" ]; then
  p=$(cat "$PIDF")
  if [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "$W/out/xen"; then
    kill "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
    echo "stopped xen-host (pid $p)"
  fi
fi
rm -f "$PIDF" "$W/ssh.env"
