#!/usr/bin/env bash
# Puts this machine's addon into prebuilds/<platform>-<arch>/ (where node-gyp-build looks
# first), stripped. Reuses build/Release when it is newer than every native source, so
# `npm pack` after `npm run build` compiles nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/Release/virtkit.node
if [ ! -f "$bin" ] || [ -n "$(find native binding.gyp -newer "$bin" -type f -print -quit)" ]; then
  npx node-gyp rebuild -j 2
fi
dir="prebuilds/$(node -p 'process.platform + "-" + process.arch')"
mkdir -p "$dir"
strip --strip-all -o "$dir/virtkit.node" "$bin"
echo "prebuilds: $dir/virtkit.node"
