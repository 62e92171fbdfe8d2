// Hardening (no crash, no hang) against a real libvirtd: SIGKILL of the daemon
// with 100 calls in flight, close() with calls in flight, a worker_thread
// terminated mid-call, and process.exit() with calls and subscriptions live.
// libvirtd is always restarted afterwards (afterAll), so later tests work.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { native } from '../../lib/libvirt/binding.js';
import { Connect, LibvirtError } from '../../lib/index.js';
import { parseResult, REPO, runChild } from '../helpers/fuzz-child.js';
import { requirePart } from '../helpers/index.js';

function libvirtdUp(): boolean {
  try { execFileSync('virsh', ['-c', 'qemu:///system', 'version'], { stdio: 'ignore', timeout: 20_000 }); return true; } catch { return false; }
}
function libvirtdPid(): number | null {
  try { return Number(execFileSync('pgrep', ['-x', 'libvirtd']).toString().trim().split('\n')[0]) || null; } catch { return null; }
}
function restartLibvirtd(): void {
  execFileSync('bash', [`${REPO}/scripts/start-services.sh`], { stdio: 'ignore', timeout: 120_000 });
}

const part = requirePart(libvirtdUp(), 'libvirtd (qemu:///system)');

describe.skipIf(part.skip)('faults on qemu:///system', () => {
  afterAll(() => {
    if (!libvirtdUp()) restartLibvirtd();
  }, 150_000);

  it('SIGKILL of libvirtd with 100 calls in flight: every promise rejects with LibvirtError within the keepalive window', async () => {
    const conn: any = await Connect.open('qemu:///system');
    await conn.setKeepAlive(1, 3);
    const pid = libvirtdPid();
    expect(pid).not.toBeNull();
    let settledMs: number;
    try {
      process.kill(pid!, 'SIGSTOP');  // freeze it, so the 100 calls are surely in flight
      const t0 = Date.now();
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 100; i++) calls.push(i % 2 ? conn.getCapabilities() : conn.listAllDomains(0));
      await new Promise((r) => setTimeout(r, 300));
      const inFlight = native._diagnostics().inFlight;
      process.kill(pid!, 'SIGKILL');
      const res = await Promise.race([
        Promise.allSettled(calls),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000)),  // keepalive 1 s x 3 (+slack)
      ]);
      settledMs = Date.now() - t0;
      expect(res).not.toBe('timeout');
      const all = res as PromiseSettledResult<unknown>[];
      const rejected = all.filter((s) => s.status === 'rejected');
      console.log(`faults: SIGKILL with ${inFlight} calls in flight: ${rejected.length}/100 rejected, all settled in ${settledMs} ms`);
      expect(inFlight).toBeGreaterThanOrEqual(1);
      for (const s of rejected) expect((s as PromiseRejectedResult).reason).toBeInstanceOf(LibvirtError);
      expect(rejected.length).toBe(100);
      expect(native._diagnostics().inFlight).toBe(0);
      const after = await conn.getCapabilities().catch((e: unknown) => e);  // (getType answers locally)
      expect(after).toBeInstanceOf(LibvirtError);
    } finally {
      try { process.kill(pid!, 'SIGCONT'); } catch { /* gone */ }
      try { process.kill(pid!, 'SIGKILL'); } catch { /* gone */ }
      await conn.close().catch(() => undefined);
      restartLibvirtd();
    }
    expect(libvirtdUp()).toBe(true);
  }, 180_000);

  it('close() with 100 calls in flight: all settle, none pending', async () => {
    const conn: any = await Connect.open('qemu:///system');
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 100; i++) calls.push(i % 2 ? conn.getCapabilities() : conn.listAllDomains(0));
    const closing = conn.close();
    const res = await Promise.race([Promise.allSettled([...calls, closing]), new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000))]);
    expect(res).not.toBe('timeout');
    for (const s of res as PromiseSettledResult<unknown>[]) if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(LibvirtError);
    expect(native._diagnostics().inFlight).toBe(0);
  }, 60_000);

  it('worker_thread terminated with calls in flight: the process does not crash', async () => {
    const r = await runChild('fuzz-faults-child', { args: ['worker'], timeoutMs: 60_000 });
    expect({ signal: r.signal, timedOut: r.timedOut }).toEqual({ signal: null, timedOut: false });
    const res = parseResult(r, 'FAULTS_RESULT');
    console.log(`faults: ${res.terminated} workers terminated mid-call; main thread then got ${res.type}`);
    expect(res.terminated).toBe(5);
    expect(res.type).toBe('QEMU');
    expect(r.code).toBe(0);
  }, 90_000);

  it('process.exit() with calls in flight and event subscriptions live: exit code 0, no hang', async () => {
    const r = await runChild('fuzz-faults-child', { args: ['exit'], timeoutMs: 30_000 });
    expect({ code: r.code, signal: r.signal, timedOut: r.timedOut }).toEqual({ code: 0, signal: null, timedOut: false });
    const res = parseResult(r, 'FAULTS_RESULT');
    console.log(`faults: process.exit with ${res.inFlight} calls in flight and 2 subscriptions: exit ${r.code} in ${r.ms} ms`);
    expect(res.inFlight).toBeGreaterThan(0);
  }, 60_000);
});
