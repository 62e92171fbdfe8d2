import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, constants, mkdtempSync, openSync, readSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Connect, eventAddTimeout, eventRemoveTimeout, eventUpdateTimeout, eventAddHandle, eventRemoveHandle,
  eventUpdateHandle, VIR_EVENT_HANDLE_READABLE, VIR_EVENT_HANDLE_WRITABLE, LibvirtError,
} from '../../lib/index.js';
import { waitFor } from '../helpers/index.js';

const run = promisify(execFile);

describe("libvirt's event loop from JS", () => {
  it('a timeout fires repeatedly until removed', async () => {
    let n = 0;
    const id = eventAddTimeout(5, () => n++);
    expect(id).toBeGreaterThanOrEqual(0);
    await waitFor(() => n >= 3, 5000, 'three timer firings');
    eventUpdateTimeout(id, -1);
    eventRemoveTimeout(id);
    expect(() => eventRemoveTimeout(id)).toThrow(LibvirtError);
    expect(() => eventAddTimeout(5, 'x' as any)).toThrow(TypeError);
  });

  it('a handle watch reports a readable pipe', async () => {
    const fd = openSync('/proc/self/status', 'r');
    const got: number[] = [];
    const w = eventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, (_watch, f, ev) => got.push(f, ev));
    await waitFor(() => got.length >= 2, 5000, 'readable event');
    expect(got[0]).toBe(fd);
    expect(got[1] & VIR_EVENT_HANDLE_READABLE).toBeTruthy();
    eventRemoveHandle(w);
    await new Promise((r) => setTimeout(r, 20));
    closeSync(fd);
  });

  // virtkit's own epoll loop (native/src/events_loop.cc): two watches on one
  // fd (epoll keys on the fd), disabled watches stay quiet while the fd is
  // still readable, re-enabled ones resume, removal leaves the other watch.
  it('handles on a FIFO: two watches on one fd, disable, re-enable, writable, remove', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vk-fifo-')), 'f');
    execFileSync('mkfifo', [path]);
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const a: number[] = [], b: number[] = [];
    const wa = eventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, (_w, _f, ev) => a.push(ev));
    const wb = eventAddHandle(fd, VIR_EVENT_HANDLE_READABLE, (_w, _f, ev) => b.push(ev));
    try {
      await sleep(50);
      expect([a.length, b.length]).toEqual([0, 0]);  // nothing to read yet
      writeSync(fd, 'x');
      await waitFor(() => a.length > 0 && b.length > 0, 5000, 'both watches see the byte');
      expect(a[0] & VIR_EVENT_HANDLE_READABLE).toBeTruthy();
      eventUpdateHandle(wa, 0);
      eventUpdateHandle(wb, 0);
      await sleep(50);  // callbacks already queued for JS arrive
      const na = a.length, nb = b.length;
      await sleep(100);
      expect([a.length, b.length]).toEqual([na, nb]);  // still readable, but disabled
      eventUpdateHandle(wa, VIR_EVENT_HANDLE_READABLE);
      await waitFor(() => a.length > na, 5000, 'the re-enabled watch fires again');
      eventRemoveHandle(wa);
      expect(() => eventRemoveHandle(wa)).toThrow(LibvirtError);
      eventUpdateHandle(wb, VIR_EVENT_HANDLE_WRITABLE);
      await waitFor(() => b.length > nb && (b.at(-1)! & VIR_EVENT_HANDLE_WRITABLE) !== 0, 5000, 'the other watch, now for writing');
      eventUpdateHandle(wb, 0);
      expect(readSync(fd, Buffer.alloc(4))).toBe(1);
    } finally {
      try { eventRemoveHandle(wa); } catch { /* removed above */ }
      eventRemoveHandle(wb);
      await sleep(20);
      closeSync(fd);
    }
  });

  it('a live timer keeps a child process alive; removing it lets it exit', async () => {
    const script = `
      const v = require(${JSON.stringify(process.cwd() + '/dist/index.cjs')});
      let n = 0;
      const id = v.eventAddTimeout(10, () => { if (++n === 5) { v.eventRemoveTimeout(id); console.log('fired', n); } });`;
    const { stdout } = await run(process.execPath, ['-e', script], { timeout: 20000 });
    expect(stdout.trim()).toBe('fired 5');
  });
});

describe('Stream#recvAll with a JS handler', () => {
  it('receives a whole screenshot, awaiting async handlers', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const st = await conn.streamNew(0);
    await dom.screenshot(st, 0);
    const parts: Buffer[] = [];
    await st.recvAll(async (chunk) => {
      await new Promise((r) => setTimeout(r, 1));
      parts.push(chunk);
    });
    await st.finish();
    expect(Buffer.concat(parts).subarray(1, 4).toString()).toBe('PNG');
    await conn.close();
  });

  it('a throwing handler rejects the call with its message', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const st = await conn.streamNew(0);
    await dom.screenshot(st, 0);
    const err = await st.recvAll(() => { throw new Error('boom'); }).catch((e) => e);
    expect(err).toBeInstanceOf(LibvirtError);
    expect(err.message).toMatch(/boom/);
    expect(() => st.sendAll('x' as any)).toThrow(TypeError);
    await conn.close();
  });
});
