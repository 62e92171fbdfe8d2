#!/usr/bin/env bash
# Runs focused virtkit workloads on test:///default under valgrind's memcheck
# (--leak-check=full) and reports definite leaks whose stack has virtkit.node
# frames. Fix-nothing: it reports, and exits 1 if it found such a leak, any
# memory error, or a workload that did not run to its end.
# test/integration/95-valgrind.test.ts runs it in CI (about a minute).
#   bash scripts/valgrind.sh            # lifetime loop + fuzz, about a minute
#   VK_VG_FUZZ_RUNS=500 bash scripts/valgrind.sh
# Workloads: test/helpers/fuzz-lifetime.ts (lookups/getInfo/free/using/close in
# flight) and test/helpers/fuzz-run.ts (every bound method, random arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || bash scripts/system-deps.sh
OUT=${VK_VG_OUT:-$(mktemp -d /tmp/vk-hard-valgrind-XXXXXX)}
REPO=$PWD
for e in fuzz-lifetime fuzz-run; do
  node -e "
    require('esbuild').buildSync({ entryPoints: ['test/helpers/$e.ts'], bundle: true, platform: 'node', format: 'cjs',
      target: 'node20', outfile: '$OUT/$e.cjs', external: ['*.node'],
      define: { __dirname: JSON.stringify('$REPO/lib/libvirt'), __filename: JSON.stringify('$REPO/lib/libvirt/binding.ts') } });"
done
VG=(valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite
    --num-callers=40 --suppressions="$REPO/scripts/valgrind-node.supp" --error-limit=no)
start=$(date +%s)
echo "== lifetime workload (VK_LIFETIME_ROUNDS=${VK_VG_ROUNDS:-300})"
VK_LIFETIME_ROUNDS=${VK_VG_ROUNDS:-300} "${VG[@]}" --log-file="$OUT/lifetime.vg" \
  node --expose-gc "$OUT/fuzz-lifetime.cjs" all > "$OUT/lifetime.out" 2>&1 || true
echo "== fuzz workload (VK_FUZZ_RUNS=${VK_VG_FUZZ_RUNS:-2000})"
(cd "$OUT" && LIBVIRT_DEFAULT_URI=test:///default VK_FUZZ_RUNS=${VK_VG_FUZZ_RUNS:-2000} VK_FUZZ_IN_PROCESS=0 \
  "${VG[@]}" --log-file="$OUT/fuzz.vg" node "$OUT/fuzz-run.cjs" > "$OUT/fuzz.out" 2>&1) || true
end=$(date +%s)
# A leak record: from "are definitely lost" to the next blank line.
python3 - "$OUT" <<'PY'
import re, sys, os
out = sys.argv[1]
total = 0
for name, marker in (('lifetime', 'LIFETIME_RESULT'), ('fuzz', 'FUZZ_RESULT')):
    text = open(os.path.join(out, name + '.vg')).read()
    if marker not in open(os.path.join(out, name + '.out')).read():
        print(f'{name}: the workload did not finish (no {marker}); see {out}/{name}.out')
        total += 1
    recs = re.findall(r'==\d+== (\S+ bytes in \S+ blocks are definitely lost.*?)(?:\n==\d+== \n)', text, re.S)
    ours = [r for r in recs if 'virtkit.node' in r]
    errs = re.findall(r'== (Invalid (?:read|write|free)[^\n]*|Conditional jump[^\n]*|Mismatched free[^\n]*)', text)
    summ = re.search(r'definitely lost: ([^\n]*)', text)
    print(f'{name}: definite-leak records {len(recs)}, with virtkit.node frames {len(ours)}; '
          f'memory errors {len(errs)}; summary definitely lost: {summ.group(1) if summ else "?"}')
    for r in ours:
        print('----\n' + re.sub(r'==\d+== ', '', r)[:3000])
    for e in errs[:5]:
        print('---- memory error: ' + e)
    total += len(ours) + len(errs)
print(f'valgrind logs in {out}')
sys.exit(1 if total else 0)
PY
rc=$?
echo "runtime: $((end - start)) s"
exit $rc
