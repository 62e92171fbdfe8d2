#!/usr/bin/env bash
# Checks that the hand-written C++ in native/src is formatted as .clang-format says
# (--fix rewrites it). native/generated is left out: the generator writes it, and
# the test that regenerates it (test/unit/01-coverage.test.ts) already pins it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "clang-format not found (Debian package clang-format; scripts/system-deps.sh installs it)" >&2
  exit 1
fi
mapfile -t files < <(ls native/src/*.cc native/src/*.h)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i --style=file "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror --style=file "${files[@]}"; then
  echo "native/src is not formatted: run bash scripts/clang-format-check.sh --fix" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files formatted"
