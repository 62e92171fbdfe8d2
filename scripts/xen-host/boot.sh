#!/usr/bin/env bash
# Build (if needed) and boot the Xen 4.17 test host under QEMU TCG, in the background.
# Waits until dom0 answers on SSH and `xl list` works, then writes
# $XEN_HOST_DIR/ssh.env (XEN_SSH_HOST/PORT/USER/KEY/KNOWN_HOSTS) and prints it.
# Safe to call when already running (it only re-checks readiness).
#
# Env: XEN_HOST_DIR (default <repo>/.xen-host), XEN_SSH_PORT (default: first free of
# 10022..10099), XEN_BOOT_TIMEOUT (seconds, default 240).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
W=${XEN_HOST_DIR:-$REPO/.xen-host}
export XEN_HOST_DIR=$W
TIMEOUT=${XEN_BOOT_TIMEOUT:-240}
PIDF=$W/qemu.pid
ENVF=$W/ssh.env
SERIAL=$W/serial.log
KEY=$W/ssh/id_ed25519
KH=$W/ssh/known_hosts

log() { printf '[xen-host boot %s] %s\n' "$(date +%T)" "$*" >&2; }
STARTED=0
die() {
  log "ERROR: $*"
  # do not leave a half-booted QEMU behind (the next call would wait on it again)
  [ "$STARTED" = 1 ] && bash "$HERE/stop.sh" >&2
  exit 1
}
now() { date +%s.%N; }
since() { awk "BEGIN{printf \"%.1f\", $(now)-$1}"; }

mkdir -p "$W"
exec 8>"$W/boot.lock"
flock 8

T0=$(now)
bash "$HERE/build.sh"
TB=$(since "$T0")

need_host_tools() {
  local pk=()
  command -v qemu-system-x86_64 >/dev/null || pk+=(qemu-system-x86)
  command -v ssh >/dev/null || pk+=(openssh-client)
  if [ ${#pk[@]} -gt 0 ]; then
    log "installing host tools: ${pk[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pk[@]}" >/dev/null
  fi
}
need_host_tools

running_pid() {   # prints the pid if our QEMU is alive
  [ -s "$PIDF" ] || return 1
  local p; p=$(cat "$PIDF")
  [ -r "/proc/$p/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "$W/out/xen" || return 1
  echo "$p"
}

ssh_opts() {
  echo -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
       -o UserKnownHostsFile="$KH" -o ConnectTimeout=5 -o LogLevel=ERROR \
       -i "$KEY" -p "$1"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_env() {
  local port=$1
  echo "[127.0.0.1]:$port $(cat "$W/ssh/host_key.pub")" >"$KH"
  cat >"$ENVF.tmp" <<EOT
XEN_SSH_HOST=127.0.0.1
XEN_SSH_PORT=$port
XEN_SSH_USER=root
XEN_SSH_KEY=$KEY
XEN_SSH_KNOWN_HOSTS=$KH
XEN_HOST_PID=$(cat "$PIDF")
XEN_HOST_SERIAL=$SERIAL
EOT
  mv "$ENVF.tmp" "$ENVF"
}

if PID=$(running_pid); then
  PORT=$(cat "$W/qemu.port")
  log "already running (pid $PID, port $PORT)"
else
  rm -f "$PIDF" "$ENVF"
  if [ -n "${XEN_SSH_PORT:-}" ]; then
    PORT=$XEN_SSH_PORT
    port_free "$PORT" || die "port $PORT is in use"
  else
    PORT=
    for p in $(seq 10022 10099); do port_free "$p" && { PORT=$p; break; }; done
    [ -n "$PORT" ] || die "no free port in 10022..10099"
  fi
  echo "$PORT" >"$W/qemu.port"
  : >"$SERIAL"
  log "starting QEMU (TCG), ssh on 127.0.0.1:$PORT, serial log $SERIAL"
  setsid qemu-system-x86_64 \
    -name virtkit-xen-host -accel tcg,thread=multi -cpu qemu64 -m 2048 -smp 2 \
    -nographic -no-reboot -monitor none -serial "file:$SERIAL" \
    -pidfile "$PIDF" \
    -kernel "$W/out/xen" \
    -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M loglvl=all guest_loglvl=all noreboot" \
    -initrd "$W/out/vmlinuz console=hvc0 earlyprintk=xen rdinit=/init,$W/out/dom0-initrd.gz" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:22" -device e1000,netdev=n0 \
    </dev/null >"$W/qemu.log" 2>&1 8>&- &
  STARTED=1
  for _ in $(seq 50); do [ -s "$PIDF" ] && break; kill -0 $! 2>/dev/null || break; sleep 0.1; done
  running_pid >/dev/null || { cat "$W/qemu.log" >&2; die "QEMU did not start"; }
fi

# known_hosts must exist before the first probe
echo "[127.0.0.1]:$PORT $(cat "$W/ssh/host_key.pub")" >"$KH"

TS=$(now); TSSH=""
# shellcheck disable=SC2046
while :; do
  running_pid >/dev/null || { tail -n 40 "$SERIAL" >&2; die "QEMU exited during boot"; }
  if out=$(timeout 20 ssh $(ssh_opts "$PORT") root@127.0.0.1 xl list 2>&1) && grep -q '^Domain-0 ' <<<"$out"; then
    break
  fi
  [ -z "$TSSH" ] && grep -q 'xen-host-init: READY' "$SERIAL" 2>/dev/null && TSSH=$(since "$TS")
  if [ "$(awk "BEGIN{print ($(now)-$TS > $TIMEOUT)}")" = 1 ]; then
    tail -n 40 "$SERIAL" >&2
    log "last ssh output: $out"
    die "host not ready after ${TIMEOUT}s"
  fi
  sleep 2
done
write_env "$PORT"
log "ready: build/check ${TB}s, boot-to-xl ${TSSH:+(init READY at ${TSSH}s) }$(since "$TS")s"
cat "$ENVF"
