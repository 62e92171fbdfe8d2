// Streams against a real libvirtd: serial console of a SeaBIOS guest, sparse
// volume upload/download keeping holes, screenshots, abort and disconnect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, writeSync, writeFileSync, statSync, readFileSync, rmSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Connect, LibvirtError, StoragePool, VIR_STREAM_NONBLOCK, diagnostics } from '../../lib/index.js';
import { uniq, waitFor } from '../helpers/index.js';
import { SYSTEM, domainType, needDaemon, removeDomain } from '../helpers/qemu.js';

const gate = needDaemon();
const MiB = 1024 * 1024;

function guestWithGraphics(name: string): string {
  return `<domain type='${domainType()}'><name>${name}</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios useserial='yes'/></os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices></domain>`;
}

/** A 64 MiB file: data at 0, 20 and 63 MiB, holes between. */
function makeSparseFile(path: string): Buffer[] {
  const fd = openSync(path, 'w');
  const chunks: Buffer[] = [];
  for (const at of [0, 20, 63]) {
    const b = Buffer.alloc(MiB, 0);
    for (let i = 0; i < b.length; i += 4096) b.write(`virtkit@${at}:${i}`, i);
    writeSync(fd, b, 0, b.length, at * MiB);
    chunks.push(b);
  }
  ftruncateSync(fd, 64 * MiB);
  closeSync(fd);
  return chunks;
}

function allocatedBytes(path: string): number {
  return statSync(path).blocks * 512;
}

describe.skipIf(gate.skip)(`streams on libvirtd (${gate.reason})`, () => {
  let conn: Connect;
  let pool: StoragePool;
  const names: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'vk-streams-'));
  beforeAll(async () => {
    conn = await Connect.open(SYSTEM);
    pool = await conn.storagePoolLookupByName('virtkit-pool');
  });
  afterAll(async () => {
    // A fresh connection: a test below kills libvirtd, which closes `conn`.
    const clean = await Connect.open(SYSTEM);
    for (const n of names) await removeDomain(clean, n);
    await clean.close();
    rmSync(dir, { recursive: true, force: true });
    await conn?.close().catch(() => {});
  });

  it("reads SeaBIOS's output through the serial console Duplex, then detaches", async () => {
    const name = uniq('vk-con');
    names.push(name);
    const dom = await conn.domainDefineXML(guestWithGraphics(name));
    await dom.create();
    const con = await dom.console();
    let text = '';
    con.on('data', (d: Buffer) => (text += d.toString('latin1')));
    await waitFor(() => /Booting from|No bootable device/.test(text), 30000, 'SeaBIOS output');
    // A keystroke goes through the write side without error.
    await new Promise<void>((res, rej) => con.write('\r', (e) => (e ? rej(e) : res())));
    const closed = new Promise((r) => con.on('close', r));
    con.destroy();
    await closed;
    // The console can be taken again once detached.
    const again = await dom.console();
    again.destroy();
    await dom.destroy();
  });

  it('uploads and downloads a 64 MiB sparse file, keeping content and holes', async () => {
    const src = join(dir, 'src.img');
    const chunks = makeSparseFile(src);
    const vname = uniq('vk-sparse') + '.raw';
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>64</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`);
    // Every transfer removes its stream callback, and that must drop the
    // callback's hold on the event loop (libvirt 9.0 skipped the free callback
    // after downloads: a program that had downloaded a volume never exited).
    const held = diagnostics().keepAlive;
    try {
      const sent = await vol.uploadFrom(src, { sparse: true });
      expect(diagnostics().keepAlive).toBe(held);
      expect(sent).toBe(64 * MiB);
      const volPath = await vol.getPath();
      // the volume's allocation stays far below 64 MiB: holes were sent as holes
      expect(allocatedBytes(volPath)).toBeLessThan(16 * MiB);
      const dst = join(dir, 'dst.img');
      const got = await vol.downloadTo(dst, { sparse: true });
      expect(diagnostics().keepAlive).toBe(held);
      expect(got).toBeLessThan(16 * MiB);  // only data crossed the wire
      expect(statSync(dst).size).toBe(64 * MiB);
      expect(allocatedBytes(dst)).toBeLessThan(16 * MiB);
      const a = readFileSync(src);
      const b = readFileSync(dst);
      expect(b.equals(a)).toBe(true);
      expect(b.subarray(20 * MiB, 21 * MiB).equals(chunks[1])).toBe(true);
      // a non-sparse download into a Node stream gets every byte
      const parts: Buffer[] = [];
      const { Writable } = await import('node:stream');
      await vol.downloadTo(new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }));
      expect(Buffer.concat(parts).equals(a)).toBe(true);
      expect(diagnostics().keepAlive).toBe(held);
    } finally {
      await vol.delete(0);
    }
  });

  it('a dense file by path goes up and down in C (virStreamSendAll/RecvAll, as virsh); bad paths are typed errors', async () => {
    const size = 8 * MiB + 12288;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const src = join(dir, 'dense.img');
    writeFileSync(src, data);
    const vname = uniq('vk-dense') + '.raw';
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`);
    const held = diagnostics().keepAlive;
    try {
      expect(await vol.uploadFrom(src)).toBe(size);
      expect(readFileSync(await vol.getPath()).equals(data)).toBe(true);
      const dst = join(dir, 'dense-back.img');
      writeFileSync(dst, Buffer.alloc(size + 5 * MiB, 1));  // longer than the volume: truncated
      expect(await vol.downloadTo(dst)).toBe(size);
      expect(readFileSync(dst).equals(data)).toBe(true);
      expect(diagnostics().keepAlive).toBe(held);

      const missing = await vol.uploadFrom(join(dir, 'no-such-file')).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(LibvirtError);
      expect((missing as LibvirtError).message).toMatch(/cannot open .*no-such-file: No such file or directory/);
      const unwritable = await vol.downloadTo(join(dir, 'no-such-dir', 'x.img')).catch((e: unknown) => e);
      expect(unwritable).toBeInstanceOf(LibvirtError);
      expect((unwritable as LibvirtError).message).toMatch(/cannot open .*x\.img: No such file or directory/);
      // a file that opens but cannot be written (every write to /dev/full fails with ENOSPC):
      // the writer thread's error ends the transfer, dense and sparse
      for (const sparse of [false, true]) {
        const full = await vol.downloadTo('/dev/full', { sparse }).catch((e: unknown) => e);
        expect(full).toBeInstanceOf(LibvirtError);
        expect((full as LibvirtError).message).toMatch(/cannot write \/dev\/full: No space left on device/);
      }
      // a directory opens for reading but cannot be read: the read error is reported
      const isDir = await vol.uploadFrom(dir).catch((e: unknown) => e);
      expect(isDir).toBeInstanceOf(LibvirtError);
      expect((isDir as LibvirtError).message).toMatch(/cannot read .*: Is a directory/);
      // the volume is still usable after the failed transfers, and nothing is left pending
      expect(await vol.downloadTo(dst)).toBe(size);
      expect(readFileSync(dst).equals(data)).toBe(true);
      expect(diagnostics().keepAlive).toBe(held);
      await waitFor(() => diagnostics().inFlight === 0, 5000);
    } finally {
      await vol.delete(0);
    }
  });

  it('sparse by path: a file that starts and ends with a hole keeps its size and holes both ways', async () => {
    const src = join(dir, 'holes.img');
    const fd = openSync(src, 'w');
    const mid = Buffer.alloc(MiB, 0x5a);
    writeSync(fd, mid, 0, mid.length, 3 * MiB);
    ftruncateSync(fd, 8 * MiB);
    closeSync(fd);
    const vname = uniq('vk-holes') + '.raw';
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>8</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`);
    try {
      expect(await vol.uploadFrom(src, { sparse: true })).toBe(8 * MiB);
      expect(allocatedBytes(await vol.getPath())).toBeLessThan(4 * MiB);
      const dst = join(dir, 'holes-back.img');
      writeFileSync(dst, Buffer.alloc(10 * MiB, 1));  // longer, and all data: replaced
      expect(await vol.downloadTo(dst, { sparse: true })).toBeLessThan(4 * MiB);
      expect(statSync(dst).size).toBe(8 * MiB);  // the trailing hole still sets the size
      expect(allocatedBytes(dst)).toBeLessThan(4 * MiB);
      expect(readFileSync(dst).equals(readFileSync(src))).toBe(true);
    } finally {
      await vol.delete(0);
    }
  });

  it('uploads from a Node Readable without sparse', async () => {
    const vname = uniq('vk-up') + '.raw';
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>4</capacity><target><format type='raw'/></target></volume>`);
    try {
      const data = Buffer.alloc(4 * MiB, 7);
      await vol.uploadFrom(Readable.from([data.subarray(0, MiB), data.subarray(MiB)]));
      expect(readFileSync(await vol.getPath()).equals(data)).toBe(true);
    } finally {
      await vol.delete(0);
    }
  });

  it('screenshot of a real QEMU guest', async () => {
    const name = uniq('vk-shot');
    names.push(name);
    const dom = await conn.domainCreateXML(guestWithGraphics(name));
    await new Promise((r) => setTimeout(r, 1000));
    const shot = await dom.takeScreenshot(0);
    expect(shot.mime).toMatch(/^image\//);
    expect(shot.data.length).toBeGreaterThan(1000);
    await dom.destroy();
  });

  it('aborting mid-transfer and a guest going away end the streams with typed errors', async () => {
    // abort a download halfway
    const vname = uniq('vk-ab') + '.raw';
    const vol = await pool.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>32</capacity><target><format type='raw'/></target></volume>`);
    try {
      const st = await conn.streamNew(VIR_STREAM_NONBLOCK);
      await vol.download(st, 0, 0);
      const r = st.toReadable();
      let n = 0;
      const done = new Promise<unknown>((res) => {
        r.on('data', (c: Buffer) => { n += c.length; if (n > MiB) r.destroy(new Error('stop')); });
        r.on('error', res);
        r.on('close', () => res(null));
      });
      const err = await done;
      expect((err as Error).message).toBe('stop');
      // the stream was aborted: further use is a typed error, not a crash
      await expect(st.recv(10)).rejects.toBeInstanceOf(LibvirtError);
    } finally {
      await vol.delete(0);
    }
    // console of a guest that is destroyed: the Duplex ends (EOF or typed error)
    const name = uniq('vk-gone');
    names.push(name);
    const dom = await conn.domainCreateXML(guestWithGraphics(name));
    const con = await dom.console();
    con.resume();
    const ended = new Promise<unknown>((res) => { con.on('error', res); con.on('end', () => res('end')); con.on('close', () => res('close')); });
    await dom.destroy();
    const how = await Promise.race([ended, new Promise((r) => setTimeout(() => r('timeout'), 15000))]);
    expect(how).not.toBe('timeout');
    if (how instanceof Error) expect(how).toBeInstanceOf(LibvirtError);
  });

  it('close() mid-stream: the stream keeps its connection, the transfer completes, nothing stays pending', async () => {
    const c2 = await Connect.open(SYSTEM);
    const p2 = await c2.storagePoolLookupByName('virtkit-pool');
    const vname = uniq('vk-cl') + '.raw';
    const vol = await p2.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>16</capacity><target><format type='raw'/></target></volume>`);
    const st = await c2.streamNew(VIR_STREAM_NONBLOCK);
    await vol.download(st, 0, 0);
    const r = st.toReadable();
    let n = 0;
    const settled = new Promise<unknown>((res) => { r.on('error', res); r.on('end', () => res('end')); });
    r.once('data', () => { void c2.close(); });
    r.on('data', (c: Buffer) => (n += c.length));
    expect(await settled).toBe('end');
    expect(n).toBe(16 * MiB);
    await expect(c2.getType()).rejects.toBeInstanceOf(LibvirtError);  // the wrapper is closed
    await vol.delete(0);
    await new Promise((res) => setTimeout(res, 100));
    expect(diagnostics().inFlight).toBe(0);
  });

  it('libvirtd dying mid-stream ends the Node stream with a LibvirtError', async () => {
    const c2 = await Connect.open(SYSTEM);
    await c2.setKeepAlive(1, 3);
    const p2 = await c2.storagePoolLookupByName('virtkit-pool');
    const vname = uniq('vk-kill') + '.raw';
    const vol = await p2.storageVolCreateXML(`<volume><name>${vname}</name><capacity unit='MiB'>512</capacity><target><format type='raw'/></target></volume>`);
    const st = await c2.streamNew(VIR_STREAM_NONBLOCK);
    await vol.download(st, 0, 0);
    const r = st.toReadable({ highWaterMark: 1 });
    const settled = new Promise<unknown>((res) => { r.on('error', res); r.on('end', () => res('end')); });
    let killed = false;
    r.on('data', () => {
      if (killed) return;
      killed = true;
      r.pause();  // slow consumer: the daemon dies with data still to send
      const pid = execFileSync('pidof', ['libvirtd'], { encoding: 'utf8' }).trim().split(/\s+/)[0];
      execFileSync('kill', ['-9', pid]);
      setTimeout(() => r.resume(), 200);
    });
    try {
      const how = await Promise.race([settled, new Promise((res) => setTimeout(() => res('timeout'), 30000))]);
      expect(how).toBeInstanceOf(LibvirtError);
    } finally {
      execFileSync('bash', ['scripts/start-services.sh'], { stdio: 'ignore' });
    }
    const c3 = await Connect.open(SYSTEM);
    const v = await (await c3.storagePoolLookupByName('virtkit-pool')).storageVolLookupByName(vname);
    await v.delete(0);
    await c3.close();
    await c2.close().catch(() => {});
    await new Promise((res) => setTimeout(res, 100));
    expect(diagnostics().inFlight).toBe(0);
  });
});
