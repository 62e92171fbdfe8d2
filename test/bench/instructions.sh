#!/usr/bin/env bash
# Instructions per call under callgrind: virtkit, C (test/bench/out/cbench) and libvirt-python,
# whole process (every thread), as the difference between a run of N1 and one of N2 calls, so
# start-up cancels out. Node runs with --single-threaded (V8's compiler and GC work on the main
# thread): with its background threads the count varied by more than 2,000 calls' worth between
# two runs (once a negative per-call figure); with the flag, two runs agree within ~3%. Unlike
# time, the count does not depend on what else runs on the machine.
# virtkit runs with VIRTKIT_SPIN_US=0: valgrind runs one thread at a time, so a busy-wait would
# count for however long the scheduler let it spin (30 k to 100 k instructions per getInfo
# between two runs). This is the work done, not the time it takes. Prints JSON lines; run by
# scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=test/bench/out
STATS_URI="test://$PWD/$OUT/node-100.xml"
[ -f "$OUT/node-100.xml" ] || { echo "instructions: $OUT/node-100.xml is written by bench.ts part a" >&2; exit 1; }
count() { # callgrind's total for one command
  valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# per_call NAME FACTOR N1 N2 CMD...  (the command gets the call count last; FACTOR: calls the
# tool makes per unit of that count: warm-up and timed loops included)
per_call() {
  local name=$1 factor=$2 n1=$3 n2=$4; shift 4
  local a b
  a=$(count "$@" "$n1"); b=$(count "$@" "$n2")
  python3 -c "import json,sys; a,b,f,n1,n2=map(float,sys.argv[1:6]); print(json.dumps({'part': sys.argv[6], 'instructionsPerCall': round((b-a)/(f*(n2-n1)))}))" \
    "$a" "$b" "$factor" "$n1" "$n2" "$name"
}
PY=${VK_PYTHON:-/usr/bin/python3}
export VIRTKIT_SPIN_US=0  # read by virtkit only
per_call "stats virtkit" 1 100 300 node --single-threaded test/bench/instructions.mjs stats "$STATS_URI"
per_call "stats C" 1.1 100 300 "$OUT/cbench" stats "$STATS_URI"
per_call "stats python" 1.1 100 300 "$PY" test/bench/pybench.py stats "$STATS_URI"
per_call "serial virtkit" 1 1000 10000 node --single-threaded test/bench/instructions.mjs serial test:///default test
per_call "serial C" 2.1 1000 3000 "$OUT/cbench" serial test:///default test
per_call "serial python" 2.1 1000 3000 "$PY" test/bench/pybench.py serial test:///default test
