/**
 * One scrape's page from the hosts' results. Values follow the Go exporter's units: bytes
 * (libvirt reports KiB), seconds (libvirt reports ns).
 */
import type { TypedParams } from '../libvirt/index.js';
import { ALL_FAMILIES, F, X } from './families.js';
import type { HostResult } from './host.js';
import { escapeLabel, TextPage, type Family } from './text.js';

const NS = 1e9;

function ns(v: unknown): number | null {
  return typeof v === 'bigint' ? Number(v) / NS : typeof v === 'number' ? v / NS : null;
}

function kib(v: unknown): bigint | number | null {
  return typeof v === 'bigint' ? v * 1024n : typeof v === 'number' ? v * 1024 : null;
}

function int(v: unknown): bigint | number | null {
  return typeof v === 'bigint' || typeof v === 'number' ? v : null;
}

/** Renders the page; `hostLabel` adds `host="<uri>"` to every sample. */
export function render(results: readonly HostResult[], hostLabel: boolean): string {
  const page = new TextPage(ALL_FAMILIES);
  const put = (f: Family, labels: string, v: number | bigint | null): void => {
    if (v !== null) page.add(f, labels, v);
  };
  for (const r of results) {
    const host = hostLabel ? `host="${escapeLabel(r.uri)}"` : '';
    put(F.up, host, r.up ? 1 : 0);
    put(X.pollSeconds, host, r.pollSeconds);
    if (!r.up) continue;
    put(F.domainsNumber, host, r.domains.length);
    const pre = host === '' ? '' : `${host},`;
    for (const d of r.domains) {
      const p = d.params;
      const dl = `${pre}domain="${escapeLabel(d.name)}",uuid="${d.uuid}"`;
      const info = d.info;
      put(F.stateCode, dl, int(p['state.state']) ?? info?.state ?? null);
      put(X.stateReason, dl, int(p['state.reason']));
      put(F.maxMem, dl, kib(p['balloon.maximum']) ?? kib(info?.maxMem));
      put(F.memory, dl, kib(p['balloon.current']) ?? kib(info?.memory));
      put(F.vcpus, dl, int(p['vcpu.current']) ?? info?.nrVirtCpu ?? null);
      put(F.cpuTime, dl, ns(p['cpu.time']) ?? ns(info?.cpuTime));
      put(X.cpuUser, dl, ns(p['cpu.user']));
      put(X.cpuSystem, dl, ns(p['cpu.system']));
      vcpus(put, p, dl);
      balloon(put, p, dl);
      blocks(put, p, dl, d.labels?.diskSource);
      nets(put, p, dl, d.labels?.ifaceBridge);
    }
  }
  return page.toString();
}

type Put = (f: Family, labels: string, v: number | bigint | null) => void;

function vcpus(put: Put, p: TypedParams, dl: string): void {
  const n = Number(p['vcpu.maximum'] ?? p['vcpu.current'] ?? 0);
  for (let i = 0; i < n; i++) {
    const state = p[`vcpu.${i}.state`];
    if (state === undefined) continue; // offline vCPUs are not reported
    const l = `${dl},vcpu="${i}"`;
    put(X.vcpuState, l, int(state));
    put(X.vcpuTime, l, ns(p[`vcpu.${i}.time`]));
    put(X.vcpuWait, l, ns(p[`vcpu.${i}.wait`]));
    put(X.vcpuDelay, l, ns(p[`vcpu.${i}.delay`]));
  }
}

function balloon(put: Put, p: TypedParams, dl: string): void {
  put(X.balloonCurrent, dl, kib(p['balloon.current']));
  put(X.balloonMaximum, dl, kib(p['balloon.maximum']));
  put(X.balloonRss, dl, kib(p['balloon.rss']));
  put(X.balloonAvailable, dl, kib(p['balloon.available']));
  put(X.balloonUnused, dl, kib(p['balloon.unused']));
  put(X.balloonUsable, dl, kib(p['balloon.usable']));
  put(X.balloonDiskCaches, dl, kib(p['balloon.disk_caches']));
  put(X.balloonSwapIn, dl, kib(p['balloon.swap_in']));
  put(X.balloonSwapOut, dl, kib(p['balloon.swap_out']));
  put(X.balloonMajorFault, dl, int(p['balloon.major_fault']));
  put(X.balloonMinorFault, dl, int(p['balloon.minor_fault']));
}

function blocks(put: Put, p: TypedParams, dl: string, sources: Map<string, string> | undefined): void {
  const n = Number(p['block.count'] ?? 0);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const name = p[`block.${i}.name`];
    if (typeof name !== 'string' || seen.has(name)) continue; // backing-chain entries repeat the disk
    seen.add(name);
    const path = p[`block.${i}.path`];
    const file = sources?.get(name) ?? (typeof path === 'string' ? path : '');
    const l = `${dl},source_file="${escapeLabel(file)}",target_device="${escapeLabel(name)}"`;
    const k = `block.${i}.`;
    put(F.blockRdBytes, l, int(p[k + 'rd.bytes']));
    put(F.blockRdReqs, l, int(p[k + 'rd.reqs']));
    put(F.blockWrBytes, l, int(p[k + 'wr.bytes']));
    put(F.blockWrReqs, l, int(p[k + 'wr.reqs']));
    put(X.blockRdTime, l, ns(p[k + 'rd.times']));
    put(X.blockWrTime, l, ns(p[k + 'wr.times']));
    put(X.blockFlReqs, l, int(p[k + 'fl.reqs']));
    put(X.blockFlTime, l, ns(p[k + 'fl.times']));
    put(X.blockCapacity, l, int(p[k + 'capacity']));
    put(X.blockAllocation, l, int(p[k + 'allocation']));
    put(X.blockPhysical, l, int(p[k + 'physical']));
  }
}

function nets(put: Put, p: TypedParams, dl: string, bridges: Map<string, string> | undefined): void {
  const n = Number(p['net.count'] ?? 0);
  for (let i = 0; i < n; i++) {
    const name = p[`net.${i}.name`];
    if (typeof name !== 'string') continue;
    const l = `${dl},source_bridge="${escapeLabel(bridges?.get(name) ?? '')}",target_device="${escapeLabel(name)}"`;
    const k = `net.${i}.`;
    put(F.netRxBytes, l, int(p[k + 'rx.bytes']));
    put(F.netRxPkts, l, int(p[k + 'rx.pkts']));
    put(F.netRxErrs, l, int(p[k + 'rx.errs']));
    put(F.netRxDrop, l, int(p[k + 'rx.drop']));
    put(F.netTxBytes, l, int(p[k + 'tx.bytes']));
    put(F.netTxPkts, l, int(p[k + 'tx.pkts']));
    put(F.netTxErrs, l, int(p[k + 'tx.errs']));
    put(F.netTxDrop, l, int(p[k + 'tx.drop']));
  }
}
