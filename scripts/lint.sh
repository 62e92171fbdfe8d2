#!/usr/bin/env bash
# Lint: ESLint for the TypeScript/JavaScript sources and tests.
set -euo pipefail
cd "$(dirname "$0")/.."
npx eslint --max-warnings 0 lib test bin examples scripts eslint.config.mjs tsup.config.ts
