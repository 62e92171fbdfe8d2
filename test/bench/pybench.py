#!/usr/bin/python3
"""libvirt-python baselines for scripts/bench.sh (same operations as cbench.c).

  pybench.py stats  URI ITERS          conn.getAllDomainStats(0, 0), timed one call at a time
  pybench.py serial URI DOMAIN CALLS   dom.info() one call after another: calls/s and CPU from an
                                       untimed loop, percentiles from a second, timed one

Prints one JSON object on stdout with meanNs (wall time of the loop / calls), medianNs, p99Ns
and cpuUsPerCall (this process, user + system; the garbage collector included).
"""
import json
import sys
import time

import libvirt


def quiet(_ctx, _err):
    pass


def quantile(t, p):
    t.sort()
    return t[min(len(t) - 1, int(p * len(t)))]


def bench_stats(uri, iters):
    conn = libvirt.open(uri)
    for _ in range(iters // 10 + 10):
        n = len(conn.getAllDomainStats(0, 0))
    t = []
    c0, w0 = time.process_time_ns(), time.perf_counter_ns()
    for _ in range(iters):
        t0 = time.perf_counter_ns()
        conn.getAllDomainStats(0, 0)
        t.append(time.perf_counter_ns() - t0)
    wall, cpu = time.perf_counter_ns() - w0, time.process_time_ns() - c0
    print(json.dumps({"bench": "stats", "domains": n, "iters": iters, "meanNs": wall / iters,
                      "medianNs": quantile(t, 0.5), "p99Ns": quantile(t, 0.99),
                      "cpuUsPerCall": cpu / 1e3 / iters}))
    conn.close()


def bench_serial(uri, name, calls):
    conn = libvirt.open(uri)
    dom = conn.lookupByName(name)
    for _ in range(calls // 10):
        dom.info()
    c0, w0 = time.process_time_ns(), time.perf_counter_ns()
    for _ in range(calls):
        dom.info()
    wall, cpu = time.perf_counter_ns() - w0, time.process_time_ns() - c0
    t = []
    for _ in range(min(calls, 100000)):
        t0 = time.perf_counter_ns()
        dom.info()
        t.append(time.perf_counter_ns() - t0)
    print(json.dumps({"bench": "serial", "calls": calls, "seconds": wall / 1e9,
                      "callsPerSec": calls / (wall / 1e9), "meanNs": wall / calls,
                      "medianNs": quantile(t, 0.5), "p99Ns": quantile(t, 0.99),
                      "cpuUsPerCall": cpu / 1e3 / calls}))
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
