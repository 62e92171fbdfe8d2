#!/usr/bin/env bash
# Fleet benchmarks (test/bench/fleet.mjs) on the private hosts of scripts/fleet-hosts.sh, run
# inside host1's network namespace so that qemu+tcp:// and test+tcp:// reach both hosts.
# Brings the hosts up when they are not, and down again only if it did. Needs dist/ (tsup).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=0
if ! bash scripts/fleet-hosts.sh status >/dev/null 2>&1; then
  bash scripts/fleet-hosts.sh up >/dev/null
  started=1
fi
[ $started = 0 ] || trap 'bash scripts/fleet-hosts.sh down >/dev/null 2>&1 || true' EXIT
[ -f dist/index.mjs ] || npx tsup >/dev/null
nsenter -t "$(cat /run/virtkit-fleet/host1.pid)" -n -- node --expose-gc test/bench/fleet.mjs
