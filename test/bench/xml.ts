/**
 * Typed XML benchmark (run by `bash scripts/bench.sh`, bundled to test/bench/out/xml.cjs).
 *
 * Documents: the live XML of a real KVM/QEMU guest started for the run (disk, cdrom, NIC on
 * `default`, VNC, serial, console; paused), and the largest capabilities document of this host
 * (capabilities, domain capabilities kvm/qemu). Operations, one call at a time, in rounds
 * interleaved with their contenders (20 calls of each in turn): typed parse (`parseXML`), typed serialize (`toXML`),
 * saxes's raw parse (the SAX pass alone, no-op handlers: the floor under the typed parse),
 * the other npm parsers measured when choosing one (fast-xml-parser, htmlparser2,
 * @xmldom/xmldom), and libvirt-python + lxml.objectify (parse) / etree.tostring (serialize)
 * in a Python child per round, and libxml2 itself in C (test/bench/xmlfloor.c: the tree parse
 * objectify does, and a SAX pass with no-op handlers) in a child per round: the floor that
 * shows where objectify's parse time goes. Mean over all calls (GC included), median, p99,
 * CPU per call.
 * Writes test/bench/out/xml.json, and the two documents to test/bench/out/xml-{domain,caps}.xml.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { SaxesParser } from 'saxes';
import { XMLParser } from 'fast-xml-parser';
import { DOMParser } from '@xmldom/xmldom';
import { parseDocument } from 'htmlparser2';
import { Connect, VIR_STORAGE_VOL_DELETE_NORMAL } from '../../lib/libvirt/index.js';
import { parseXML, toXML, domainXML, storageVolXML, type SchemaName } from '../../lib/xml/index.js';

const ROOT = resolve(process.env.VK_ROOT ?? process.cwd());
const OUT = join(ROOT, 'test/bench/out');
const PYTHON = process.env.VK_PYTHON ?? '/usr/bin/python3';
const QUICK = process.env.VK_BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 3;
const CALLS = QUICK ? 200 : 2000;
const URI = 'qemu:///system';
// test/bench/xmlfloor.c, built by scripts/bench.sh: libxml2 in C, what lxml parses with.
const XMLFLOOR = join(OUT, 'xmlfloor');
const log = (s: string) => process.stderr.write(s + '\n');

interface Sample { times: number[]; cpuNs: number }
interface Stats { meanUs: number; medianUs: number; p99Us: number; cpuUs: number; calls: number }

/**
 * The operations in turn, 20 calls of each at a time, until each made `calls`: a change in
 * the machine's load (steal time on a shared VM) then hits every operation alike, where one
 * block of 2,000 calls per operation let it move a ratio by 0.3x or more.
 */
function interleaved(fns: [string, () => unknown][], calls: number, block = 20): [string, Sample][] {
  for (const [, fn] of fns) for (let i = 0; i < calls / 10 + 5; i++) fn();
  const out = fns.map(([op]) => [op, { times: new Array<number>(calls), cpuNs: 0 }] as [string, Sample]);
  for (let done = 0; done < calls; done += block) {
    const n = Math.min(block, calls - done);
    fns.forEach(([, fn], k) => {
      const s = out[k]![1];
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const t0 = process.hrtime.bigint();
        fn();
        s.times[done + i] = Number(process.hrtime.bigint() - t0);
      }
      const c = process.cpuUsage(c0);
      s.cpuNs += (c.user + c.system) * 1000;
    });
  }
  return out;
}

function stats(samples: Sample[]): Stats {
  const all = samples.flatMap((s) => s.times).sort((a, b) => a - b);
  const n = all.length;
  const sum = all.reduce((a, b) => a + b, 0);
  const cpu = samples.reduce((a, s) => a + s.cpuNs, 0);
  return { meanUs: sum / n / 1000, medianUs: all[n >> 1]! / 1000, p99Us: all[Math.floor(n * 0.99)]! / 1000, cpuUs: cpu / n / 1000, calls: n };
}

function saxesRaw(text: string): void {
  const p = new SaxesParser({ position: false });
  p.on('opentag', () => {});
  p.on('text', () => {});
  p.on('closetag', () => {});
  p.write(text).close();
}
const fxp = new XMLParser({ ignoreAttributes: false, preserveOrder: true, parseTagValue: false, parseAttributeValue: false, trimValues: false });

/** A real guest, transient, paused: its live XML is the domain document. */
async function startGuest(conn: Connect, name: string): Promise<{ cleanup: () => Promise<void> }> {
  const pool = await conn.storagePoolLookupByName('virtkit-pool');
  const vol = await pool.storageVolCreateXML(storageVolXML({ name: `${name}.qcow2`, capacity: { unit: 'MiB', '#text': 16n }, target: { format: { type: 'qcow2' } } }));
  const type = (await import('node:fs')).existsSync('/dev/kvm') ? 'kvm' : 'qemu';
  const dom = await conn.domainCreateXML(domainXML({
    type, name,
    memory: { unit: 'MiB', '#text': 64n },
    vcpu: { '#text': 1 },
    os: { type: { arch: 'x86_64', machine: 'pc', '#text': 'hvm' }, bios: { useserial: 'yes' } },
    features: { acpi: {}, apic: {} },
    devices: {
      disk: [
        { type: 'file', device: 'disk', driver: { name: 'qemu', type: 'qcow2' }, source: { file: await vol.getPath() }, target: { dev: 'vda', bus: 'virtio' } },
        { type: 'file', device: 'cdrom', driver: { name: 'qemu', type: 'raw' }, target: { dev: 'hdc', bus: 'ide' }, readonly: {} },
      ],
      interface: [{ type: 'network', source: { network: 'default' }, model: { type: 'virtio' } }],
      graphics: [{ type: 'vnc', autoport: 'yes', listen: [{ type: 'address', address: '127.0.0.1' }] }],
      serial: [{ type: 'pty', target: { port: '0' } }],
      console: [{ type: 'pty', target: { type: 'serial', port: '0' } }],
    },
  }));
  await dom.suspend();
  return {
    cleanup: async () => {
      await dom.destroy().catch(() => {});
      await vol.delete(VIR_STORAGE_VOL_DELETE_NORMAL).catch(() => {});
    },
  };
}

async function main(): Promise<void> {
  const conn = await Connect.open(URI);
  // vk-bench-*: scripts/bench.sh destroys guests of that name left by an interrupted run.
  const name = `vk-bench-xml-${process.pid}`;
  const guest = await startGuest(conn, name);
  try {
    const domain = await (await conn.domainLookupByName(name)).getXMLDesc(0);
    const capsDocs: [string, SchemaName, string][] = [
      ['capabilities', 'capability', await conn.getCapabilities()],
      ['domcaps-kvm', 'domaincaps', await conn.getDomainCapabilities(null, 'x86_64', null, 'kvm').catch(() => '')],
      ['domcaps-qemu', 'domaincaps', await conn.getDomainCapabilities(null, 'x86_64', null, 'qemu')],
    ];
    const [capsKind, capsSchema, caps] = capsDocs.sort((a, b) => b[2].length - a[2].length)[0]!;
    const docs: { key: string; schema: SchemaName; text: string; label: string }[] = [
      { key: 'domain', schema: 'domain', text: domain, label: `live domain (${domain.split('\n').length} lines, ${domain.length} B)` },
      { key: 'caps', schema: capsSchema, text: caps, label: `${capsKind} (${caps.split('\n').length} lines, ${caps.length} B)` },
    ];
    mkdirSync(OUT, { recursive: true });
    for (const d of docs) writeFileSync(join(OUT, `xml-${d.key}.xml`), d.text);
    const start = { load: loadavg(), cpus: cpus().length, node: process.version };
    log(`typed XML bench: ${start.cpus} CPUs, load ${start.load.map((x) => x.toFixed(2)).join(' ')}, ${ROUNDS} rounds x ${CALLS} calls`);

    const ops: Record<string, Record<string, Sample[]>> = {};
    const add = (doc: string, op: string, s: Sample) => ((ops[doc] ??= {})[op] ??= []).push(s);
    for (let r = 0; r < ROUNDS; r++) {
      for (const d of docs) {
        const value = parseXML(d.schema, d.text);
        const samples = interleaved([
          ['typed parse (virtkit)', () => parseXML(d.schema, d.text)],
          ['raw parse (saxes)', () => saxesRaw(d.text)],
          ['typed serialize (virtkit)', () => toXML(d.schema, value as never)],
          ['fast-xml-parser (tree)', () => fxp.parse(d.text)],
          ['htmlparser2 (DOM, xmlMode)', () => parseDocument(d.text, { xmlMode: true })],
          ['@xmldom/xmldom (DOM)', () => new DOMParser().parseFromString(d.text, 'text/xml')],
        ], CALLS);
        for (const [op, sample] of samples) add(d.key, op, sample);
      }
      const py = spawnSync(PYTHON, [join(ROOT, 'test/bench/xml_lxml.py'), URI, name, capsKind, String(CALLS)], { encoding: 'utf8', timeout: 600_000 });
      if (py.status !== 0) throw new Error(`xml_lxml.py failed: ${py.stderr}`);
      const pr = JSON.parse(py.stdout) as Record<string, { bytes: number; parse: Sample; parseRead: Sample; serialize: Sample }>;
      for (const d of docs) {
        const c = spawnSync(XMLFLOOR, [join(OUT, `xml-${d.key}.xml`), String(CALLS)], { encoding: 'utf8', timeout: 600_000, maxBuffer: 1 << 26 });
        if (c.status !== 0) throw new Error(`xmlfloor failed: ${c.stderr}`);
        const cr = JSON.parse(c.stdout) as { bytes: number; tree: Sample; sax: Sample };
        add(d.key, 'libxml2 tree parse (C)', cr.tree);
        add(d.key, 'libxml2 SAX pass (C)', cr.sax);
      }
      for (const d of docs) {
        if (pr[d.key]!.bytes !== Buffer.byteLength(d.text)) log(`note: python read ${pr[d.key]!.bytes} B for ${d.key}, node ${Buffer.byteLength(d.text)} B`);
        add(d.key, 'lxml.objectify parse (python)', pr[d.key]!.parse);
        add(d.key, 'lxml.objectify parse+read all (py)', pr[d.key]!.parseRead);
        add(d.key, 'lxml etree.tostring (python)', pr[d.key]!.serialize);
      }
    }

    const result: Record<string, unknown> = { env: { ...start, loadEnd: loadavg(), rounds: ROUNDS, calls: CALLS } };
    const f = (x: number) => x.toFixed(1).padStart(9);
    for (const d of docs) {
      const s: Record<string, Stats> = {};
      for (const [op, samples] of Object.entries(ops[d.key]!)) s[op] = stats(samples);
      console.log(`\n== typed XML: ${d.label}, µs per document ==`);
      console.log(`${'operation'.padEnd(34)}${'mean'.padStart(9)}${'median'.padStart(9)}${'p99'.padStart(9)}${'cpu'.padStart(9)}`);
      for (const [op, x] of Object.entries(s)) console.log(`${op.padEnd(34)}${f(x.meanUs)}${f(x.medianUs)}${f(x.p99Us)}${f(x.cpuUs)}`);
      const typed = s['typed parse (virtkit)']!;
      const raw = s['raw parse (saxes)']!;
      const lxml = s['lxml.objectify parse (python)']!;
      const lxmlRead = s['lxml.objectify parse+read all (py)']!;
      const ser = s['typed serialize (virtkit)']!;
      const cTree = s['libxml2 tree parse (C)']!, cSax = s['libxml2 SAX pass (C)']!;
      const floor = { objectifyOverLibxml2Tree: lxml.meanUs / cTree.meanUs, saxesRawOverLibxml2Sax: raw.meanUs / cSax.meanUs, saxesRawOverObjectify: raw.meanUs / lxml.meanUs };
      const goals = {
        typedOverRaw: typed.meanUs / raw.meanUs,
        typedOverLxml: typed.meanUs / lxml.meanUs,
        typedOverLxmlReadAll: typed.meanUs / lxmlRead.meanUs,
        serializeOverParse: ser.meanUs / typed.meanUs,
        cpu: { typedOverRaw: typed.cpuUs / raw.cpuUs, typedOverLxml: typed.cpuUs / lxml.cpuUs, typedOverLxmlReadAll: typed.cpuUs / lxmlRead.cpuUs, serializeOverParse: ser.cpuUs / typed.cpuUs },
      };
      console.log(`typed parse / raw saxes parse: ${goals.typedOverRaw.toFixed(2)}x (goal <= 2x: ${goals.typedOverRaw <= 2 ? 'met' : 'NOT met'})`);
      console.log(`typed parse / lxml.objectify: ${goals.typedOverLxml.toFixed(2)}x (goal < 1x: ${goals.typedOverLxml < 1 ? 'met' : 'NOT met'}); / objectify parse+read all: ${goals.typedOverLxmlReadAll.toFixed(2)}x`);
      console.log(`floor: objectify parse / libxml2 tree parse in C ${floor.objectifyOverLibxml2Tree.toFixed(2)}x; saxes raw / libxml2 SAX pass in C ${floor.saxesRawOverLibxml2Sax.toFixed(2)}x; saxes raw / objectify parse ${floor.saxesRawOverObjectify.toFixed(2)}x`);
      console.log(`typed serialize / typed parse: ${goals.serializeOverParse.toFixed(2)}x (goal <= 1x: ${goals.serializeOverParse <= 1 ? 'met' : 'NOT met'})`);
      const c = goals.cpu;
      console.log(`by CPU per call: typed/raw ${c.typedOverRaw.toFixed(2)}x, typed/objectify ${c.typedOverLxml.toFixed(2)}x, typed/objectify+read ${c.typedOverLxmlReadAll.toFixed(2)}x, serialize/parse ${c.serializeOverParse.toFixed(2)}x`);
      result[d.key] = { label: d.label, stats: s, goals, floor };
    }
    console.log(`\nload average start ${start.load.map((x) => x.toFixed(2)).join(' ')}, end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'xml.json'), JSON.stringify(result, null, 2));
  } finally {
    await guest.cleanup();
    await conn.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
