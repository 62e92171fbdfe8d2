import { describe, expect, it } from 'vitest';
import { Connect, LibvirtError, Stream, VIR_STREAM_NONBLOCK } from '../../lib/index.js';

describe('streams on test:///default', () => {
  it('takeScreenshot yields PNG bytes and their MIME type', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const shot = await dom.takeScreenshot(0);
    expect(shot.mime).toBe('image/png');
    expect(shot.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(shot.data.length).toBeGreaterThan(100);
    await conn.close();
  });

  it('the mechanical calls: screenshot into a stream, then recv until empty', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const st = await conn.streamNew(0);
    expect(st).toBeInstanceOf(Stream);
    expect(await dom.screenshot(st, 0)).toBe('image/png');
    let total = 0;
    for (;;) {
      const b = await st.recv(4096);
      if (typeof b === 'number') throw new Error('blocking stream returned ' + b);
      if (b.length === 0) break;
      total += b.length;
    }
    await st.finish();
    expect(total).toBeGreaterThan(100);
    st.free();
    st.free();  // idempotent
    await expect(st.recv(10)).rejects.toBeInstanceOf(LibvirtError);
    await conn.close();
  });

  it('a screenshot stream is async-iterable and readable as a Node stream', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const st = await conn.streamNew(VIR_STREAM_NONBLOCK);
    await dom.screenshot(st, 0);
    const parts: Buffer[] = [];
    for await (const chunk of st) parts.push(chunk);
    expect(Buffer.concat(parts).subarray(1, 4).toString()).toBe('PNG');
    const st2 = await conn.streamNew(0);
    await dom.screenshot(st2, 0);
    const r = st2.toReadable();
    const got: Buffer[] = [];
    for await (const c of r) got.push(c as Buffer);
    expect(Buffer.concat(got)).toEqual(Buffer.concat(parts));
    await conn.close();
  });

  it('bad stream arguments throw before any C call', async () => {
    const conn = await Connect.open('test:///default');
    const st = await conn.streamNew(0);
    expect(() => st.recv(-1 as any)).toThrow(RangeError);
    expect(() => st.recv(1e12)).toThrow(RangeError);
    expect(() => st.send(42 as any)).toThrow(TypeError);
    expect(() => st.eventAddCallback(1, 'x' as any)).toThrow(TypeError);
    await st.abort().catch(() => {});
    await conn.close();
  });

  it('recvAll hands the whole screenshot to its handler', async () => {
    const conn = await Connect.open('test:///default');
    const dom = await conn.domainLookupByName('test');
    const st = await conn.streamNew(0);
    await dom.screenshot(st, 0);
    const parts: Buffer[] = [];
    await st.recvAll((b) => { parts.push(Buffer.from(b)); });
    const got = Buffer.concat(parts);
    expect(got.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect(got.equals((await dom.takeScreenshot(0)).data)).toBe(true);
    await conn.close();
  });

  // A handler Promise that never settles parks the *All call, as in C; ending
  // the stream must end the call with an error, not leave it pending forever.
  for (const end of ['abort', 'finish', 'free'] as const) {
    it(`${end}() rejects a sendAll / sparseSendAll whose handler never settles`, async () => {
      const conn = await Connect.open('test:///default');
      const never = () => new Promise<never>(() => {});
      const a = await conn.streamNew(0);
      let called = 0;
      const pa = a.sendAll(() => { called++; return never(); });
      const b = await conn.streamNew(0);
      const pb = b.sparseSendAll(() => Buffer.alloc(1), never, () => {});
      const settled = { a: false, b: false };
      pa.catch(() => {}).finally(() => { settled.a = true; });
      pb.catch(() => {}).finally(() => { settled.b = true; });
      await new Promise((r) => setTimeout(r, 200));
      expect(called).toBe(1);
      expect(settled).toEqual({ a: false, b: false });  // still waiting on the handlers
      for (const st of [a, b]) {
        const r = st[end]();
        if (r) await r.catch(() => {});  // finish() of an unattached test stream fails: not what is tested
      }
      for (const p of [pa, pb]) {
        const e = await p.then(() => null, (x) => x);
        expect(e).toBeInstanceOf(LibvirtError);
        expect(e.message).toMatch(new RegExp(`stream was ${end === 'free' ? 'freed' : end === 'abort' ? 'aborted' : 'finished'} while its handler was pending`));
      }
      await conn.close();
    });
  }
});
