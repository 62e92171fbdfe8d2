#!/usr/bin/env bash
# Benchmarks: virtkit vs C (and libvirt-python) on the same machine, in one run.
#   bash scripts/bench.sh            # full run (~2-3 minutes on 2 cores)
#   VK_BENCH_QUICK=1 bash scripts/bench.sh   # small counts, to check the harness
# Builds test/bench/out/cbench (C), bundles test/bench/bench.ts (esbuild), runs everything and
# prints a table; the figures are also written as JSON to test/bench/out/.
# Needs the addon in build/Release (npm run build:native), libvirt-dev, python3-libvirt, and
# libvirtd for part b (bash scripts/start-services.sh); 8 paused guests vk-bench-* are created
# and destroyed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=test/bench/out
mkdir -p "$OUT"
# Another build may be replacing the addon right now: wait for it before building one.
for _ in $(seq 1 60); do [ -f build/Release/virtkit.node ] && break; sleep 2; done
[ -f build/Release/virtkit.node ] || npx node-gyp rebuild -j 2
cc -O2 -Wall -o "$OUT/cbench" test/bench/cbench.c $(pkg-config --cflags --libs libvirt) -lpthread
# lib/libvirt/binding.ts finds the addon from __dirname: point it at its folder in the bundle.
npx esbuild test/bench/bench.ts --bundle --platform=node --format=cjs --target=node20 \
  --outfile="$OUT/bench.cjs" --log-level=warning \
  --define:__dirname="\"$ROOT/lib/libvirt\"" --define:__filename="\"$ROOT/lib/libvirt/binding.ts\""
cleanup() {
  # Guests left behind by an interrupted run (they are transient: destroy removes them).
  for d in $(virsh -c qemu:///system list --name 2>/dev/null | grep '^vk-bench-' || true); do
    virsh -c qemu:///system destroy "$d" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
# libvirtd for part b (no-op when it is already up).
bash scripts/start-services.sh >/dev/null 2>&1 || echo "bench: libvirtd could not be started; part b will be skipped" >&2
VK_ROOT="$ROOT" node --expose-gc "$OUT/bench.cjs"
# Typed XML: parse/serialize of a live domain and the largest capabilities document.
npx esbuild test/bench/xml.ts --bundle --platform=node --format=cjs --target=node20 \
  --outfile="$OUT/xml.cjs" --log-level=warning \
  --define:__dirname="\"$ROOT/lib/libvirt\"" --define:__filename="\"$ROOT/lib/libvirt/binding.ts\""
echo
echo "== typed XML vs saxes raw parse and libvirt-python + lxml.objectify, qemu:///system =="
VK_ROOT="$ROOT" node --expose-gc "$OUT/xml.cjs"
# Events (issue 3) and stream transfers (issue 4) use the built package.
[ -f dist/index.mjs ] || npx tsup >/dev/null
echo; echo "== exporter: CPU per scrape vs prometheus-libvirt-exporter ==" && npx esbuild test/bench/exporter.ts --bundle --platform=node --format=cjs --target=node20 --outfile="$OUT/exporter.cjs" --log-level=warning --define:__dirname="\"$ROOT/lib/libvirt\"" --define:__filename="\"$ROOT/lib/libvirt/binding.ts\"" && node --expose-gc "$OUT/exporter.cjs" > "$OUT/exporter.json"
echo
echo "== event delivery (libvirt C callback -> JS callback), test:///default =="
node test/bench/events.mjs | tee "$OUT/events.json"
echo
echo "== volume upload/download throughput vs virsh, qemu:///system =="
node test/bench/streams.mjs | tee "$OUT/streams.json"
echo
echo "== fleet: migration vs virsh migrate, fleet-wide snapshot, cost per connection (private hosts) =="
bash test/bench/fleet.sh | tee "$OUT/fleet.json"
