// Hardening (no leak): wrappers are collected, free() is idempotent, `using` and
// `await using` dispose, calls on freed objects reject, close() with calls in
// flight is safe, and a million calls keep RSS flat. Runs in a child with
// --expose-gc (native._diagnostics().live counts drop in GC finalizers).
import { describe, expect, it } from 'vitest';
import { parseResult, runChild } from '../helpers/fuzz-child.js';

describe('lifetime on test:///default', () => {
  it('live wrapper counts return to baseline after GC; free/using/freed/close-in-flight behave', async () => {
    const r = await runChild('fuzz-lifetime', { args: ['all'], execArgv: ['--expose-gc'], timeoutMs: 120_000 });
    expect(r.signal).toBeNull();
    const res = parseResult(r, 'LIFETIME_RESULT');
    console.log(`lifetime: 5000 rounds of lookups + getInfo; live peak ${JSON.stringify(res.peak)}; after GC ${JSON.stringify(res.after)}`);
    expect(res.after).toEqual(res.baseline);                 // 0 extra Domains, Networks, ...
    expect(res.peak.Domain).toBeGreaterThan(0);               // the counters do count
    expect(res.freedThrewSync).toBe(false);
    expect(res.freedRejected).toBe(true);
    expect(res.freedIsFreed).toBe(true);
    expect(res.usingFreed).toBe(true);
    expect(res.awaitUsingClosed).toBe(true);
    expect(res.closeInFlightSettled).toBe(101);               // 100 calls + the close
    expect(res.closeInFlightBad).toBe(0);
    expect(res.afterCloseRejected).toBe(100);
    expect(r.code).toBe(0);
  }, 150_000);

  // ~16 s here (1.1e6 async calls); well under the 5-minute CI budget.
  it('a million async calls keep RSS flat (after GC)', async () => {
    const r = await runChild('fuzz-lifetime', { args: ['rss', '1000000'], execArgv: ['--expose-gc'], timeoutMs: 280_000 });
    expect(r.signal).toBeNull();
    const res = parseResult(r, 'LIFETIME_RESULT');
    const growMiB = (res.rssAfter - res.rssWarm) / 2 ** 20;
    console.log(`rss: ${res.calls} calls in ${res.ms} ms; RSS after warm-up ${(res.rssWarm / 2 ** 20).toFixed(1)} MiB, ` +
      `after 1e6 more ${(res.rssAfter / 2 ** 20).toFixed(1)} MiB (+${growMiB.toFixed(1)} MiB)`);
    expect(res.inFlight).toBe(0);
    // Slack for allocator/V8 heap growth; a leak of even 32 bytes per call would be 30 MiB.
    expect(growMiB).toBeLessThan(32);
    expect(r.code).toBe(0);
  }, 300_000);
});
