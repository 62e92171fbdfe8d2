#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run calls it).
# Installs what is missing, starts the daemons, builds, checks the generated
# code is current, then runs unit, driver and integration tests in one vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/setup-lxc.sh
[ -d node_modules/vitest ] || npm ci --no-audit --no-fund --ignore-scripts
npm run build
python3 scripts/generate.py --check
python3 scripts/gen-xml.py --check
bash scripts/start-services.sh
# Two private libvirt hosts for the fleet and migration tests; down again however we exit.
trap 'bash scripts/fleet-hosts.sh down >/dev/null 2>&1 || true' EXIT
bash scripts/fleet-hosts.sh up >/dev/null || echo "test-all: fleet hosts did not start (the fleet tests will fail)" >&2
npx tsc --noEmit -p tsconfig.json
bash scripts/lint.sh
report=$(mktemp)
status=0
npx vitest run test/unit test/driver test/integration --reporter=default --reporter=json --outputFile="$report" "$@" || status=$?
# One plain closing line for any reader: "N passed, N failed, N skipped".
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
rm -f "$report"
exit $status
