#!/usr/bin/python3
"""libvirt-python baselines for scripts/bench.sh (same operations as cbench.c).

  pybench.py stats  URI ITERS          conn.getAllDomainStats(0, 0), timed one call at a time
  pybench.py serial URI DOMAIN CALLS   dom.info() one call after another

Prints one JSON object on stdout.
"""
import json
import sys
import time

import libvirt


def quiet(_ctx, _err):
    pass


def bench_stats(uri, iters):
    conn = libvirt.open(uri)
    for _ in range(iters // 10 + 10):
        n = len(conn.getAllDomainStats(0, 0))
    t = []
    for _ in range(iters):
        t0 = time.perf_counter_ns()
        conn.getAllDomainStats(0, 0)
        t.append(time.perf_counter_ns() - t0)
    t.sort()
    print(json.dumps({"bench": "stats", "domains": n, "iters": iters,
                      "medianNs": t[iters // 2], "meanNs": sum(t) / iters}))
    conn.close()


def bench_serial(uri, name, calls):
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    for _ in range(calls // 10):
        dom.info()
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        dom.info()
    dt = (time.perf_counter_ns() - t0) / 1e9
    print(json.dumps({"bench": "serial", "calls": calls, "seconds": dt, "callsPerSec": calls / dt}))
    conn.close()


def main():
    libvirt.registerErrorHandler(quiet, None)
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "stats":
        bench_stats(a[1], int(a[2]))
    elif len(a) >= 4 and a[0] == "serial":
        bench_serial(a[1], a[2], int(a[3]))
    else:
        sys.exit("usage: pybench.py stats URI ITERS | serial URI DOMAIN CALLS")


if __name__ == "__main__":
    main()
