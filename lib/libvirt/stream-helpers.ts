// Idiomatic helpers over the mechanical stream calls: an interactive console,
// screenshots, and volume upload/download (sparse too) from/to files or streams.
import type { Duplex, Readable, Writable } from 'node:stream';
import { Domain, StorageVol, type Stream } from './classes.js';
import * as C from './generated/constants.js';
import { STREAM_CHUNK, endStream, readChunk, releaseEvents, toDuplex, waitReadable, writeAll } from './stream.js';

/**
 * Runs a whole transfer on `s`: after `body`, removes the stream callback and
 * finishes the stream (a finish error is the caller's); on any failure aborts
 * it instead; frees it either way.
 */
async function transfer<T>(s: Stream, body: () => Promise<T>): Promise<T> {
  try {
    const result = await body();
    await releaseEvents(s);
    await s.finish();
    return result;
  } catch (err) {
    await endStream(s, err as Error, false);
    throw err;
  } finally {
    s.free();
  }
}

/** Options of {@link DomainStreamHelpers.console}. */
export interface ConsoleOptions {
  /** `VIR_DOMAIN_CONSOLE_FORCE`: take the console from another client. */
  force?: boolean;
  /** `VIR_DOMAIN_CONSOLE_SAFE`: fail unless the driver can guard concurrent access. */
  safe?: boolean;
}

/** Idiomatic Domain helpers (installed on Domain.prototype). */
export interface DomainStreamHelpers {
  /**
   * The guest's console as a Duplex (what `virsh console` does): read what the
   * guest prints, write keystrokes. `destroy()` (or `end()`) detaches.
   */
  console(devName?: string | null, opts?: ConsoleOptions): Promise<Duplex>;
  /** A screenshot: the image bytes and their MIME type. */
  takeScreenshot(screen?: number): Promise<{ mime: string; data: Buffer }>;
}

/** Options of volume transfers. */
export interface VolTransferOptions {
  offset?: number | bigint;
  length?: number | bigint;
  /** Keep holes (`VIR_STORAGE_VOL_*_SPARSE_STREAM`). */
  sparse?: boolean;
}

/** Idiomatic StorageVol helpers (installed on StorageVol.prototype). */
export interface StorageVolStreamHelpers {
  /**
   * Uploads a file (path) or a Readable into the volume. With `sparse`, a file's
   * holes (found with SEEK_DATA/SEEK_HOLE, never read) are sent as holes; from a
   * Readable, 64 KiB-aligned runs of zero bytes are. Resolves to the bytes covered.
   */
  uploadFrom(source: string | Readable, opts?: VolTransferOptions): Promise<number>;
  /**
   * Downloads the volume into a file (path) or a Writable. With `sparse` and a
   * path, holes stay holes in the file. Resolves to the bytes of data received.
   */
  downloadTo(dest: string | Writable, opts?: VolTransferOptions): Promise<number>;
}

const HOLE_BLOCK = 64 * 1024;

function isZero(b: Buffer): boolean {
  // Compare 8 bytes at a time where aligned.
  let i = 0;
  if ((b.byteOffset & 7) === 0) {
    const words = new BigUint64Array(b.buffer, b.byteOffset, b.length >> 3);
    for (const w of words) if (w !== 0n) return false;
    i = words.length << 3;
  }
  for (; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

async function* fileChunks(source: Readable): AsyncGenerator<Buffer> {
  for await (const c of source) yield Buffer.isBuffer(c) ? c : Buffer.from(c);
}

/** virtkit's own stream helpers in the addon (scripts/manual.json): whole files in C. */
interface FileStream {
  /**
   * A whole file sent by virStreamSendAll (virStreamSparseSendAll: holes found with
   * SEEK_DATA/SEEK_HOLE, never read) on this blocking stream; resolves to the bytes covered.
   */
  _sendFile(path: string, sparse: boolean): Promise<number>;
  /**
   * The whole stream written to a file (created or truncated) by virStreamRecvAll
   * (virStreamSparseRecvAll: holes left unwritten); resolves to the data bytes received.
   */
  _recvFile(path: string, sparse: boolean): Promise<number>;
}

async function uploadFrom(this: StorageVol, source: string | Readable, opts: VolTransferOptions = {}): Promise<number> {
  const conn = this.getConnect();
  const flags = opts.sparse ? C.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM : 0;
  if (typeof source === 'string') {
    // As virsh vol-upload: a blocking stream and virStream(Sparse)SendAll reading the file in C
    // on one pool thread, so no chunk crosses into JS.
    const s = await conn.streamNew(0);
    return transfer(s, async () => {
      await this.upload(s, opts.offset ?? 0, opts.length ?? 0, flags);
      return (s as unknown as FileStream)._sendFile(source, !!opts.sparse);
    });
  }
  const s = await conn.streamNew(C.VIR_STREAM_NONBLOCK);
  return transfer(s, async () => {
    await this.upload(s, opts.offset ?? 0, opts.length ?? 0, flags);
    let total = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let hole = 0;
    const flushData = async () => {
      if (!pendingLen) return;
      await writeAll(s, pendingLen === pending[0].length ? pending[0] : Buffer.concat(pending));
      pending = [];
      pendingLen = 0;
    };
    const flushHole = async () => {
      if (!hole) return;
      await s.sendHole(hole);
      hole = 0;
    };
    for await (const chunk of fileChunks(source)) {
      total += chunk.length;
      if (!opts.sparse) {
        await writeAll(s, chunk);
        continue;
      }
      for (let off = 0; off < chunk.length; off += HOLE_BLOCK) {
        const block = chunk.subarray(off, Math.min(off + HOLE_BLOCK, chunk.length));
        if (block.length === HOLE_BLOCK && isZero(block)) {
          await flushData();
          hole += block.length;
        } else {
          await flushHole();
          pending.push(block);
          pendingLen += block.length;
          if (pendingLen >= STREAM_CHUNK) await flushData();
        }
      }
    }
    await flushData();
    await flushHole();
    return total;
  });
}

async function downloadTo(this: StorageVol, dest: string | Writable, opts: VolTransferOptions = {}): Promise<number> {
  const conn = this.getConnect();
  const flags = opts.sparse ? C.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0;
  if (typeof dest === 'string') {
    // As virsh vol-download: a blocking stream and virStream(Sparse)RecvAll writing the file in C.
    const s = await conn.streamNew(0);
    return transfer(s, async () => {
      await this.download(s, opts.offset ?? 0, opts.length ?? 0, flags);
      return (s as unknown as FileStream)._recvFile(dest, !!opts.sparse);
    });
  }
  const s = await conn.streamNew(C.VIR_STREAM_NONBLOCK);
  return transfer(s, async () => {
    let data = 0;
    await this.download(s, opts.offset ?? 0, opts.length ?? 0, flags);
    for (;;) {
      const r = opts.sparse ? await s.recvFlags(STREAM_CHUNK, C.VIR_STREAM_RECV_STOP_AT_HOLE) : await s.recv(STREAM_CHUNK);
      if (r === -3) {
        await writeTo(dest, Buffer.alloc(Number(await s.recvHole())));  // a Writable has no holes
        continue;
      }
      if (r === -2) {
        await waitReadable(s);
        continue;
      }
      const chunk = r as Buffer;
      if (!chunk.length) break;
      data += chunk.length;
      await writeTo(dest, chunk);
    }
    return data;
  });
}

function writeTo(w: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (w.write(chunk)) resolve();
    else {
      const onDrain = () => { w.off('error', onErr); resolve(); };
      const onErr = (e: Error) => { w.off('drain', onDrain); reject(e); };
      w.once('drain', onDrain);
      w.once('error', onErr);
    }
  });
}

async function console_(this: Domain, devName: string | null = null, opts: ConsoleOptions = {}): Promise<Duplex> {
  const s = await this.getConnect().streamNew(C.VIR_STREAM_NONBLOCK);
  const flags = (opts.force ? C.VIR_DOMAIN_CONSOLE_FORCE : 0) | (opts.safe ? C.VIR_DOMAIN_CONSOLE_SAFE : 0);
  try {
    await this.openConsole(devName, s, flags);
  } catch (err) {
    s.free();
    throw err;
  }
  return toDuplex(s);
}

async function takeScreenshot(this: Domain, screen = 0): Promise<{ mime: string; data: Buffer }> {
  const s = await this.getConnect().streamNew(0);
  return transfer(s, async () => {
    const mime = await this.screenshot(s, screen);
    const parts: Buffer[] = [];
    for (;;) {
      const chunk = await readChunk(s);
      if (!chunk) break;
      parts.push(chunk);
    }
    return { mime, data: Buffer.concat(parts) };
  });
}

const dp = Domain.prototype as any;
dp.console = console_;
dp.takeScreenshot = takeScreenshot;
const vp = StorageVol.prototype as any;
vp.uploadFrom = uploadFrom;
vp.downloadTo = downloadTo;
