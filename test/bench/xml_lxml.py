#!/usr/bin/python3
"""libvirt-python + lxml.objectify baseline for test/bench/xml.ts (typed XML benchmark).

  xml_lxml.py URI DOMAIN CAPS_KIND CALLS

Fetches the same two documents through libvirt-python (the live XML of DOMAIN, and the
capabilities document CAPS_KIND: 'capabilities' or 'domcaps-kvm' / 'domcaps-qemu'), then
times lxml.objectify.fromstring (parse) and etree.tostring (serialize) one call at a time.
Prints one JSON object: per document and operation, per-call times in ns and CPU ns.
"""
import json
import sys
import time

import libvirt
from lxml import etree, objectify


def quiet(_ctx, _err):
    pass


def timed(fn, calls):
    for _ in range(calls // 10 + 5):
        fn()
    t = []
    c0 = time.process_time_ns()
    for _ in range(calls):
        t0 = time.perf_counter_ns()
        fn()
        t.append(time.perf_counter_ns() - t0)
    cpu = time.process_time_ns() - c0
    return {"times": t, "cpuNs": cpu}


def read_all(data):
    """objectify parses lazily (a C tree; Python objects on access): this also reads every
    element's attributes and text, as a typed parse has them ready."""
    root = objectify.fromstring(data)
    n = 0
    for el in root.iter():
        n += len(el.attrib.items())
        if el.text is not None:
            n += 1
    return n


def main():
    uri, name, caps_kind, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    libvirt.registerErrorHandler(quiet, None)
    conn = libvirt.open(uri)
    domain = conn.lookupByName(name).XMLDesc(0)
    if caps_kind == 'capabilities':
        caps = conn.getCapabilities()
    else:
        caps = conn.getDomainCapabilities(None, 'x86_64', None, caps_kind.split('-')[1], 0)
    conn.close()
    out = {}
    for key, text in (("domain", domain), ("caps", caps)):
        data = text.encode()
        obj = objectify.fromstring(data)
        out[key] = {
            "bytes": len(data),
            "parse": timed(lambda: objectify.fromstring(data), calls),
            "parseRead": timed(lambda: read_all(data), calls),
            "serialize": timed(lambda: etree.tostring(obj), calls),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
