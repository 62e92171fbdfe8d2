// A function compiled out because the installed libvirt is older than the one
// that added it: the method still exists and fails with a LibvirtError naming
// the version it needs. Simulated with VIRTKIT_TEST_MISSING in a child process
// (the libvirt here has every function the generator binds).
import { describe, expect, it } from 'vitest';
import { parseResult, runChild } from '../helpers/fuzz-child.js';

describe('a function the installed libvirt lacks', () => {
  it('rejects (async) or throws (sync) a VIR_ERR_NO_SUPPORT LibvirtError naming the libvirt version it needs', async () => {
    const r = await runChild('missing-fn-child', {
      env: { VIRTKIT_TEST_MISSING: 'virDomainGetSchedulerType,virGetVersion', LIBVIRT_DEFAULT_URI: 'test:///default' },
      timeoutMs: 60_000,
    });
    const res = parseResult(r, 'MISSING_RESULT');
    expect(res.asyncIsFunction).toBe(true);
    expect(res.returnsPromise).toBe(true);
    expect(res.stillWorks).toBe('linux');
    expect(res.async).toEqual({
      isLibvirtError: true,
      codeName: 'VIR_ERR_NO_SUPPORT',
      message: expect.stringMatching(/^virDomainGetSchedulerType needs libvirt >= 0\.2\.3; virtkit was built against libvirt \d+\.\d+\.\d+$/),
    });
    expect(res.sync).toEqual({
      isLibvirtError: true,
      codeName: 'VIR_ERR_NO_SUPPORT',
      message: expect.stringMatching(/^virGetVersion needs libvirt >= 0\.0\.3;/),
    });
    expect(res.listed.map((b: { c: string }) => b.c).sort()).toEqual(['virDomainGetSchedulerType', 'virGetVersion']);
  }, 90_000);
});
