#!/usr/bin/env bash
# Private libvirt hosts for the fleet and migration tests, beside the machine's own libvirtd.
#
#   bash scripts/fleet-hosts.sh up       # start fleet-host1 and fleet-host2 (idempotent)
#   bash scripts/fleet-hosts.sh status   # exit 0 when every host answers; prints the URIs
#   bash scripts/fleet-hosts.sh down     # stop them and remove their folders
#
# Each host is one holder process (`sleep infinity`) in its own mount, network and UTS
# namespaces; everything else enters with nsenter. Inside, private folders are bind-mounted
# over /etc/libvirt, /var/lib/libvirt, /run/libvirt, /var/log/libvirt, /var/cache/libvirt and
# /etc/hosts, so the machine's own daemons, sockets and configuration are never seen or touched.
# A veth pair joins the two network namespaces (10.77.0.1 <-> 10.77.0.2); nothing is added to
# the machine's network. QEMU runs as root inside (no change to /dev/kvm's permissions).
#
# From the machine:      qemu+unix:///system?socket=$ROOT/hostN/run/libvirt-sock
# Inside a namespace:    qemu+tcp://10.77.0.N/system, test+tcp://10.77.0.N/default
# State: $STATE/hostN.pid (holder PIDs), $STATE/uris (one URI per line).
set -euo pipefail

ROOT=${VK_FLEET_ROOT:-/var/lib/virtkit-fleet}
STATE=${VK_FLEET_STATE:-/run/virtkit-fleet}
CACHE=$ROOT/capcache        # QEMU capabilities kept across up/down: start-up 8 s -> ~1 s
# The daemons run under other names (symlinks), so that `pidof libvirtd` or `pgrep -x
# libvirtd` elsewhere (tests that kill the machine's daemon, start-services.sh) never find them.
BIN=$ROOT/bin
NET=10.77.0
DIRS="etc:/etc/libvirt lib:/var/lib/libvirt run:/run/libvirt log:/var/log/libvirt cache:/var/cache/libvirt"

log() { echo "fleet-hosts: $*" >&2; }
# VK_FLEET_TRACE=1: milliseconds since start at each step, on stderr.
t0=$(date +%s%N); tick() { [ -z "${VK_FLEET_TRACE:-}" ] || echo "+$(( ($(date +%s%N) - t0) / 1000000 )) ms $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (namespaces and libvirtd)"

holder() { cat "$STATE/host$1.pid" 2>/dev/null || true; }
# The holder is alive and really in namespaces of its own (a recycled PID is not ours).
alive() {
  local pid; pid=$(holder "$1")
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  # A zombie (killed, not yet reaped) has no namespaces left to read.
  local net mnt; net=$(readlink "/proc/$pid/ns/net" 2>/dev/null) && mnt=$(readlink "/proc/$pid/ns/mnt" 2>/dev/null) || return 1
  [ "$net" != "$(readlink /proc/self/ns/net)" ] && [ "$mnt" != "$(readlink /proc/self/ns/mnt)" ] || return 1
  grep -q "^sleep" "/proc/$pid/comm" 2>/dev/null
}
inns() { local pid; pid=$(holder "$1"); shift; nsenter -t "$pid" -m -n -u -- "$@"; }
sock() { echo "$ROOT/host$1/run/libvirt-sock"; }
uri() { echo "qemu+unix:///system?socket=$(sock "$1")"; }
answers() { virsh -c "$(uri "$1")" version >/dev/null 2>&1; }

write_config() {
  local n=$1 d=$ROOT/host$1
  cat >"$d/etc/libvirtd.conf" <<EOF
# fleet-host$n (tests only: no authentication, tcp on the private veth)
host_uuid = "$(printf '7669726b-6974-466c-8565-74000000000%d' "$n")"
listen_tcp = 1
listen_tls = 0
auth_tcp = "none"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_group = "root"
unix_sock_rw_perms = "0770"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
  cat >"$d/etc/qemu.conf" <<EOF
user = "root"
group = "root"
dynamic_ownership = 0
cgroup_controllers = [ ]
security_driver = "none"
migration_host = "$NET.$n"
migration_address = "$NET.$n"
EOF
  : >"$d/etc/virtlogd.conf"
  : >"$d/etc/libvirt.conf"
  printf '127.0.0.1 localhost\n%s.1 fleet-host1\n%s.2 fleet-host2\n' "$NET" "$NET" >"$d/hosts"
}

start_holder() {
  local n=$1
  if alive "$n"; then return; fi
  setsid unshare --net --mount --uts --propagation private -- sleep infinity </dev/null >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do
    [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$(readlink /proc/self/ns/mnt)" ] && break
    sleep 0.02
  done
  echo "$pid" >"$STATE/host$n.pid"
  alive "$n" || die "host$n: holder $pid did not enter its namespaces"
  local d=$ROOT/host$n
  inns "$n" hostname "fleet-host$n"
  inns "$n" ip link set lo up
  for pair in $DIRS; do
    inns "$n" mount --bind "$d/${pair%%:*}" "${pair#*:}"
  done
  inns "$n" mount --bind "$d/hosts" /etc/hosts
}

link_hosts() {
  # The veth pair is created inside host1's namespace with its peer moved straight into
  # host2's: it never exists in the machine's namespace.
  inns 1 ip link show fl0 >/dev/null 2>&1 && return
  nsenter -t "$(holder 1)" -n -- ip link add fl0 type veth peer name fl0 netns "$(holder 2)"
  for n in 1 2; do
    inns "$n" ip addr add "$NET.$n/24" dev fl0
    inns "$n" ip link set fl0 up
  done
}

start_daemons() {
  local n=$1
  answers "$n" && return
  # A daemon killed a moment ago may linger as a zombie: only a live process counts.
  inns "$n" sh -c 'pidof_in() { [ -f "$1" ] && p=$(cat "$1") && [ -d "/proc/$p" ] && ! grep -q "^State:.*Z" "/proc/$p/status"; }
    pidof_in /run/libvirt/virtlogd.pid || '"$BIN"'/fleet-virtlogd -d -p /run/libvirt/virtlogd.pid
    pidof_in /run/libvirt/libvirtd.pid || taskset -c 0 '"$BIN"'/fleet-libvirtd -d --listen -p /run/libvirt/libvirtd.pid'
}

wait_up() {
  local n=$1
  for _ in $(seq 1 300); do answers "$n" && { unpin "$n"; return; }; sleep 0.1; done
  die "host$n: libvirtd did not answer on $(sock "$n") (log: $ROOT/host$n/log/libvirtd.log)"
}

# libvirtd reads the host's CPUID once at start and re-probes QEMU (4 s per binary) when it
# differs from the cached one; KVM's leaf 0x1f carries the x2APIC id of the CPU the thread ran
# on. Starting it on CPU 0 keeps the cache valid; once up, its threads (and so the QEMU
# processes they spawn) may run anywhere again.
unpin() {
  local pid; pid=$(cat "$ROOT/host$1/run/libvirtd.pid" 2>/dev/null) || return 0
  taskset -a -p -c "0-$(($(nproc) - 1))" "$pid" >/dev/null 2>&1 || true
}

seed_cache() {
  local n=$1 dst=$ROOT/host$1/cache/qemu/capabilities
  [ -d "$CACHE" ] && [ -n "$(ls -A "$CACHE" 2>/dev/null)" ] || return 0
  mkdir -p "$dst"
  cp -a "$CACHE"/. "$dst"/
}

save_cache() {
  local src=$ROOT/host$1/cache/qemu/capabilities
  [ -d "$src" ] || return 0
  mkdir -p "$CACHE"
  cp -a "$src"/. "$CACHE"/
}

up() {
  mkdir -p "$STATE" "$ROOT" "$BIN"
  chmod 0755 "$ROOT"
  ln -sfn "$(command -v libvirtd)" "$BIN/fleet-libvirtd"
  ln -sfn "$(command -v virtlogd)" "$BIN/fleet-virtlogd"
  for n in 1 2; do
    local d=$ROOT/host$n
    for pair in $DIRS; do mkdir -p "$d/${pair%%:*}"; done
    chmod 0755 "$d" "$d"/*
    write_config "$n"
  done
  for n in 1 2; do start_holder "$n"; done
  tick holders; link_hosts; tick linked
  if [ -d "$CACHE" ]; then
    for n in 1 2; do seed_cache "$n"; start_daemons "$n"; done
    tick daemons; for n in 1 2; do wait_up "$n"; tick "up $n"; done
  else
    # First start: host1 probes QEMU, host2 starts from host1's capabilities.
    seed_cache 1; start_daemons 1; wait_up 1
    # The probe is written once libvirtd has looked at every QEMU binary.
    virsh -c "$(uri 1)" capabilities >/dev/null
    save_cache 1
    seed_cache 2; start_daemons 2; wait_up 2
  fi
  save_cache 1
  for n in 1 2; do uri "$n"; done >"$STATE/uris"
  cat "$STATE/uris"
}

status() {
  local ok=0
  for n in 1 2; do
    if alive "$n" && answers "$n"; then echo "host$n up $(uri "$n")"; else echo "host$n down"; ok=1; fi
  done
  return $ok
}

# Everything mounted at or below $1 in the holder's mount namespace (deepest first).
stop_host() {
  local n=$1
  if alive "$n"; then
    # Guests first (QEMU processes), then the daemons, then every process in the namespace.
    tick "host$n stopping"
    for dom in $(virsh -c "$(uri "$n")" list --name 2>/dev/null || true); do
      virsh -c "$(uri "$n")" destroy "$dom" >/dev/null 2>&1 || true
    done
    local pid holderpid; holderpid=$(holder "$n")
    local pat; pat=$(readlink "/proc/$holderpid/ns/net" | sed 's/[][]/\\&/g')
    # Every process in the host's network namespace but the holder (one find, not a fork per PID).
    in_ns() {
      find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -lname "$pat" 2>/dev/null |
        cut -d/ -f3 | grep -vx "$holderpid" || true
    }
    for pid in $(in_ns); do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 30); do
      local left; left=$(in_ns)
      [ -z "$left" ] && break
      sleep 0.1
      for pid in $left; do kill -KILL "$pid" 2>/dev/null || true; done
    done
    tick "host$n processes gone"
    # The mounts live only in the holder's mount namespace: they go away with it.
    kill -KILL "$holderpid" 2>/dev/null || true
    # Gone, or a zombie waiting for PID 1 to reap it: either way its namespaces are released.
    for _ in $(seq 1 50); do
      grep -qs '^State:[[:space:]]*[^Z]' "/proc/$holderpid/status" || break
      sleep 0.05
    done
  fi
  tick "host$n holder gone"
  # A holder that died on its own leaves its daemons and guests running: find them by their
  # pid files (checking the process is ours by name) and stop them too.
  local f pid
  for f in "$ROOT/host$n/run/libvirtd.pid" "$ROOT/host$n/run/virtlogd.pid" "$ROOT/host$n/run/qemu/"*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null) || continue
    # Only in a namespace of its own: a recycled PID in the machine's namespace is not ours.
    [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] || continue
    case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
      fleet-libvirtd | fleet-virtlogd | qemu-system-*) kill -KILL "$pid" 2>/dev/null || true ;;
    esac
  done
  rm -f "$STATE/host$n.pid"
}

down() {
  stop_host 1 & stop_host 2 & wait
  rm -f "$STATE/uris"
  # Remove the host folders only when nothing is mounted below them in this namespace.
  for n in 1 2; do
    local d=$ROOT/host$n
    [ -d "$d" ] || continue
    if grep -q " $d" /proc/self/mounts; then log "host$n: $d still has mounts, left in place"; continue; fi
    rm -rf --one-file-system "$d"
  done
  rmdir "$STATE" 2>/dev/null || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  uris) cat "$STATE/uris" ;;
  *) echo "usage: $0 up|down|status|uris" >&2; exit 2 ;;
esac
