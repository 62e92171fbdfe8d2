#!/usr/bin/env bash
# Benchmarks: virtkit vs C (and libvirt-python) on the same machine, in one run.
#   bash scripts/bench.sh                      # everything (~5 minutes on 2 cores; scale part 60 s)
#   VK_BENCH_FULL=1 bash scripts/bench.sh      # the scale part for 10 minutes instead of 60 s
#   VK_BENCH_QUICK=1 bash scripts/bench.sh     # small counts, to check the harness
#   VK_BENCH_ONLY=ac bash scripts/bench.sh     # only parts a and c of bench.ts (a b c d)
#   VK_BENCH_ROUNDS=5, VK_BENCH_SCALE_SECONDS=N override rounds and the scale duration
# Builds test/bench/out/cbench (C), bundles the TypeScript benchmarks (esbuild), runs everything
# and prints tables; the figures are also written as JSON to test/bench/out/. Every part prints
# the load average: other work on the machine skews figures, which is why contenders alternate.
# Needs the addon in build/Release (npm run build:native), libvirt-dev, python3-libvirt, and
# libvirtd for part b and the streams (bash scripts/start-services.sh); 8 paused guests
# vk-bench-* are created and destroyed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=test/bench/out
mkdir -p "$OUT"
# Another build may be replacing the addon right now: wait for it before building one.
for _ in $(seq 1 60); do [ -f build/Release/virtkit.node ] && break; sleep 2; done
[ -f build/Release/virtkit.node ] || npx node-gyp rebuild -j 2
cc -O2 -Wall -o "$OUT/cbench" test/bench/cbench.c $(pkg-config --cflags --libs libvirt) -lpthread
cc -O2 -Wall -o "$OUT/xmlfloor" test/bench/xmlfloor.c $(pkg-config --cflags --libs libxml-2.0)
# lib/libvirt/binding.ts finds the addon from __dirname: point it at its folder in the bundle.
bundle() {
  npx esbuild "test/bench/$1.ts" --bundle --platform=node --format=cjs --target=node20 \
    --outfile="$OUT/$1.cjs" --log-level=warning \
    --define:__dirname="\"$ROOT/lib/libvirt\"" --define:__filename="\"$ROOT/lib/libvirt/binding.ts\""
}
cleanup() {
  # Guests left behind by an interrupted run (they are transient: destroy removes them).
  for d in $(virsh -c qemu:///system list --name 2>/dev/null | grep -E '^(vk|exp)-bench-' || true); do
    virsh -c qemu:///system destroy "$d" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
# libvirtd for part b (no-op when it is already up).
bash scripts/start-services.sh >/dev/null 2>&1 || echo "bench: libvirtd could not be started; part b will be skipped" >&2
bundle bench
VK_ROOT="$ROOT" node --expose-gc "$OUT/bench.cjs"
# Typed XML: parse/serialize of a live domain and the largest capabilities document.
bundle xml
echo
echo "== typed XML vs saxes raw parse and libvirt-python + lxml.objectify, qemu:///system =="
VK_ROOT="$ROOT" node --expose-gc "$OUT/xml.cjs"
# The event and stream-transfer benchmarks use the built package.
[ -f dist/index.mjs ] || npx tsup >/dev/null
echo; echo "== exporter: CPU per scrape vs prometheus-libvirt-exporter ==" && npx esbuild test/bench/exporter.ts --bundle --platform=node --format=cjs --target=node20 --outfile="$OUT/exporter.cjs" --log-level=warning --define:__dirname="\"$ROOT/lib/libvirt\"" --define:__filename="\"$ROOT/lib/libvirt/binding.ts\"" && node --expose-gc "$OUT/exporter.cjs" > "$OUT/exporter.json"
echo
echo "== instructions per call under callgrind, whole process (independent of the machine's load) =="
if [ "${VK_BENCH_QUICK:-0}" = 1 ]; then echo "(skipped with VK_BENCH_QUICK=1: about 5 minutes under valgrind)"
else bash test/bench/instructions.sh | tee "$OUT/instructions.json" || echo "bench: the instructions part failed (above)" >&2; fi
echo
echo "== event delivery (libvirt C callback -> JS callback), test:///default =="
node test/bench/events.mjs | tee "$OUT/events.json" || echo "bench: the events part failed (above); the other parts still run" >&2
echo
echo "== volume upload/download throughput vs virsh, qemu:///system (best of 3, alternating) =="
node test/bench/streams.mjs | tee "$OUT/streams.json" || echo "bench: the streams part failed (above; e.g. libvirtd restarted by other work); the other parts still run" >&2
echo
echo "== fleet: migration vs virsh migrate, fleet-wide snapshot, cost per connection (private hosts) =="
bash test/bench/fleet.sh | tee "$OUT/fleet.json"
echo
if [ "${VK_BENCH_FULL:-0}" = 1 ]; then SCALE_S=${VK_BENCH_SCALE_SECONDS:-600}; else SCALE_S=${VK_BENCH_SCALE_SECONDS:-60}; fi
[ "${VK_BENCH_QUICK:-0}" = 1 ] && SCALE_S=${VK_BENCH_SCALE_SECONDS:-15}
echo "== scale: pollStats over 1,000 test:/// domains at 1 Hz for ${SCALE_S} s =="
bundle scale
VK_ROOT="$ROOT" node --expose-gc "$OUT/scale.cjs" "$SCALE_S"
# Other benchmarks (one line each):
