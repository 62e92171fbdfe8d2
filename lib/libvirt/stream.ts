// Node stream adapters over virStream (docs/DESIGN.md, rule 14). Non-blocking streams
// are driven by libvirt's stream event callback: a recv/send that would block
// (-2) waits for READABLE/WRITABLE, so no thread is parked per stream.
import { Duplex, Readable, Writable } from 'node:stream';
import { Connect, Stream } from './classes.js';
import * as C from './generated/constants.js';

/** Chunk size of reads (libvirt-python uses 262120 too: one RPC message of data). */
export const STREAM_CHUNK = 262120;

const R = C.VIR_STREAM_EVENT_READABLE;
const W = C.VIR_STREAM_EVENT_WRITABLE;
const ERRS = C.VIR_STREAM_EVENT_ERROR | C.VIR_STREAM_EVENT_HANGUP;

/** Waits for stream events; one libvirt callback per stream, shared by reader and writer. */
class EventWaiter {
  private registered: Promise<void> | null = null;
  private waiters: Array<{ mask: number; resolve: () => void }> = [];
  private mask = 0;
  private closed = false;

  constructor(private readonly s: Stream) {}

  async wait(mask: number): Promise<void> {
    if (this.closed) return;
    const p = new Promise<void>((resolve) => this.waiters.push({ mask, resolve }));
    await this.update();
    return p;
  }

  private async update(): Promise<void> {
    const want = this.waiters.reduce((m, w) => m | w.mask, 0);
    if (!this.registered) {
      this.mask = want;
      this.registered = this.s.eventAddCallback(want, (_s, events) => this.fire(events));
      await this.registered;
    } else {
      await this.registered;
      if (want !== this.mask && !this.closed) {
        this.mask = want;
        await this.s.eventUpdateCallback(want).catch(() => {});
      }
    }
  }

  private fire(events: number): void {
    const ready = this.waiters.filter((w) => events & (w.mask | ERRS));
    this.waiters = this.waiters.filter((w) => !(events & (w.mask | ERRS)));
    for (const w of ready) w.resolve();
    // Level-triggered: stop listening for what nobody waits for.
    void this.update().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) w.resolve();
    this.waiters = [];
    if (this.registered) {
      await this.registered.catch(() => {});
      await this.s.eventRemoveCallback().catch(() => {});
    }
  }
}

const waiters = new WeakMap<Stream, EventWaiter>();
function waiterOf(s: Stream): EventWaiter {
  let w = waiters.get(s);
  if (!w) waiters.set(s, (w = new EventWaiter(s)));
  return w;
}

// libvirt's remote driver does not fail a stream whose connection died: recv
// keeps answering -2. So a wait that sees no event for a while checks the
// stream's connection, and a dead one fails the stream with libvirt's error.
const owners = new WeakMap<Stream, Connect>();
const origStreamNew = (Connect.prototype as any).streamNew;
(Connect.prototype as any).streamNew = function (this: Connect, ...args: unknown[]) {
  return origStreamNew.apply(this, args).then((st: Stream) => {
    owners.set(st, this);
    return st;
  });
};
const LIVENESS_MS = 1000;

async function waitOrCheck(s: Stream, mask: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const woke = await Promise.race([
    waiterOf(s).wait(mask).then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), LIVENESS_MS))),
  ]);
  clearTimeout(timer);
  if (woke) return;
  const conn = owners.get(s);
  if (conn && !(await conn.isAlive().catch(() => false))) {
    // A call on the dead connection yields libvirt's own error for it.
    const err = await conn.getLibVersion().then(() => new Error('stream connection closed'), (e: Error) => e);
    throw err;
  }
}

/** Waits until a non-blocking stream has data (or an error/hangup). */
export function waitReadable(s: Stream): Promise<void> {
  return waitOrCheck(s, R);
}

/** Reads the next chunk: a Buffer, or null at end of stream. Waits on non-blocking streams. */
export async function readChunk(s: Stream, size = STREAM_CHUNK): Promise<Buffer | null> {
  for (;;) {
    const r = await s.recv(size);
    if (typeof r === 'number') {
      await waitOrCheck(s, R);
      continue;
    }
    return r.length ? r : null;
  }
}

/** Writes all of `data`, waiting while a non-blocking stream is full. */
export async function writeAll(s: Stream, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const n = await s.send(off ? data.subarray(off) : data);
    if (n === -2) {
      await waitOrCheck(s, W);
      continue;
    }
    off += n;
  }
}

/** Stops event callbacks of this stream (called when an adapter ends). */
export async function releaseEvents(s: Stream): Promise<void> {
  const w = waiters.get(s);
  waiters.delete(s);
  await w?.close();
}

/** Options of the adapters. */
export interface StreamAdapterOptions {
  /** Bytes per recv (default 262120). */
  chunkSize?: number;
  /** Call `finish()` at the end (default true); false leaves the stream open. */
  finish?: boolean;
  highWaterMark?: number;
}

/** Removes the stream's callback, then aborts it after `err`, else finishes it (errors ignored) when `finish`. */
export async function endStream(s: Stream, err: Error | null, finish: boolean): Promise<void> {
  await releaseEvents(s);
  if (err) await s.abort().catch(() => {});
  else if (finish) await s.finish().catch(() => {});
}

/** A Readable over the stream's data, with backpressure: it reads only when asked. */
export function toReadable(s: Stream, opts: StreamAdapterOptions = {}): Readable {
  const size = opts.chunkSize ?? STREAM_CHUNK;
  let ended = false;
  return new Readable({
    highWaterMark: opts.highWaterMark ?? size * 4,
    read() {
      readChunk(s, size).then(
        (chunk) => {
          if (chunk === null) {
            ended = true;
            void endStream(s, null, opts.finish ?? true).then(() => this.push(null));
          } else {
            this.push(chunk);
          }
        },
        (err) => this.destroy(err),
      );
    },
    destroy(err, cb) {
      if (ended && !err) return cb(null);
      endStream(s, err ?? new Error('destroyed'), false).then(() => cb(err), () => cb(err));
    },
  });
}

/** A Writable into the stream; `end()` finishes it, `destroy()` aborts it. */
export function toWritable(s: Stream, opts: StreamAdapterOptions = {}): Writable {
  let finished = false;
  return new Writable({
    highWaterMark: opts.highWaterMark ?? STREAM_CHUNK * 4,
    write(chunk: Buffer, _enc, cb) {
      writeAll(s, chunk).then(() => cb(), cb);
    },
    final(cb) {
      finished = true;
      endStream(s, null, opts.finish ?? true).then(() => cb(), cb);
    },
    destroy(err, cb) {
      if (finished && !err) return cb(null);
      endStream(s, err ?? new Error('destroyed'), false).then(() => cb(err), () => cb(err));
    },
  });
}

/** A Duplex: reads what the stream receives, writes what it sends (a console). */
export function toDuplex(s: Stream, opts: StreamAdapterOptions = {}): Duplex {
  const size = opts.chunkSize ?? STREAM_CHUNK;
  let done = false;
  return new Duplex({
    highWaterMark: opts.highWaterMark ?? size * 4,
    allowHalfOpen: false,
    read() {
      readChunk(s, size).then(
        (chunk) => {
          if (chunk === null) this.push(null);
          else this.push(chunk);
        },
        (err) => { if (!done) this.destroy(err); },
      );
    },
    write(chunk: Buffer, _enc, cb) {
      writeAll(s, chunk).then(() => cb(), cb);
    },
    final(cb) {
      cb();
    },
    destroy(err, cb) {
      done = true;
      endStream(s, err, opts.finish ?? true).then(() => cb(err), () => cb(err));
    },
  });
}

/** Async iteration over received chunks; ends at end of stream (and finishes it). */
export async function* iterate(s: Stream, size = STREAM_CHUNK): AsyncGenerator<Buffer> {
  let ok = false;
  try {
    for (;;) {
      const chunk = await readChunk(s, size);
      if (chunk === null) break;
      yield chunk;
    }
    ok = true;
  } finally {
    await endStream(s, ok ? null : new Error('iteration stopped'), true);
  }
}

/** Idiomatic Stream methods, installed on Stream.prototype. */
export interface StreamAdapters {
  /** A Readable over received data, with backpressure. */
  toReadable(opts?: StreamAdapterOptions): Readable;
  /** A Writable sending data; `end()` finishes the stream. */
  toWritable(opts?: StreamAdapterOptions): Writable;
  /** A Duplex: received data out, written data sent. */
  toDuplex(opts?: StreamAdapterOptions): Duplex;
  /** `for await (const chunk of stream)`. */
  [Symbol.asyncIterator](): AsyncGenerator<Buffer>;
}

const proto = Stream.prototype as any;
proto.toReadable = function (this: Stream, o?: StreamAdapterOptions) { return toReadable(this, o); };
proto.toWritable = function (this: Stream, o?: StreamAdapterOptions) { return toWritable(this, o); };
proto.toDuplex = function (this: Stream, o?: StreamAdapterOptions) { return toDuplex(this, o); };
proto[Symbol.asyncIterator] = function (this: Stream) { return iterate(this); };
