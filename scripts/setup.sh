#!/usr/bin/env bash
# One command from a fresh Debian 12 machine (as root): installs the system
# packages, the npm dependencies, builds the addon and the TS, then runs the
# quick start against libvirt's embedded test driver (no daemon needed).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
npm ci --no-audit --no-fund --ignore-scripts
npm run build
node examples/quickstart.mjs
