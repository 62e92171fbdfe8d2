// Typings of the hand-written Stream methods (native/src/manual_stream.cc).
import type { Stream } from './classes.js';

export interface StreamNative {
  /** `virStreamSend`: resolves to bytes sent, or -2 when a non-blocking stream would block. */
  send(data: Uint8Array | string): Promise<number>;
  /** `virStreamRecv`: a Buffer (empty at end of stream), or -2 when a non-blocking stream has no data yet. */
  recv(nbytes: number): Promise<Buffer | -2>;
  /** `virStreamRecvFlags`: as recv; -3 at a hole with `VIR_STREAM_RECV_STOP_AT_HOLE`. */
  recvFlags(nbytes: number, flags?: number): Promise<Buffer | -2 | -3>;
  /** `virStreamSendHole` */
  sendHole(length: number | bigint, flags?: number): Promise<void>;
  /** `virStreamRecvHole`: the hole's length. */
  recvHole(flags?: number): Promise<bigint>;
  /** `virStreamEventAddCallback`: `cb(stream, events)` with `VIR_STREAM_EVENT_*` bits; holds the process while registered. */
  eventAddCallback(events: number, cb: (stream: Stream, events: number) => void): Promise<void>;
  /** `virStreamEventUpdateCallback` */
  eventUpdateCallback(events: number): Promise<void>;
  /** `virStreamEventRemoveCallback`: also drops the callback's hold on the process at once. */
  eventRemoveCallback(): Promise<void>;
  /**
   * `virStreamAbort`: ends the stream early (for a non-blocking stream, remove
   * its callback first). A pending sendAll/recvAll/sparse*All whose handler
   * is still running or awaited rejects instead of waiting for it. Runs
   * after any other call already running on this stream (e.g. a blocking
   * `recv`) has returned, never alongside it: libvirt 9.0's fd streams crash
   * when an end races another call. Later `sendHole` calls reject.
   */
  abort(): Promise<void>;
  /**
   * `virStreamFinish`: completes the transfer; success means every byte was
   * processed (for a non-blocking stream, remove its callback first). A
   * pending *All call whose handler is awaited rejects, as with abort.
   */
  finish(): Promise<void>;
}

export interface StreamNative {
  /** `virStreamSendAll`: `handler(nbytes)` returns the next data (empty or null at the end), or a Promise of it. Blocks one pool thread meanwhile. */
  sendAll(handler: (nbytes: number) => Uint8Array | string | null | Promise<Uint8Array | string | null>): Promise<void>;
  /** `virStreamRecvAll`: `handler(chunk)` for each chunk; a returned Promise is awaited (backpressure). */
  recvAll(handler: (chunk: Buffer) => void | Promise<void>): Promise<void>;
  /** `virStreamSparseSendAll`: as sendAll, plus `holeHandler()` telling whether the source is in data and for how long, and `skipHandler(length)` to skip a hole. */
  sparseSendAll(
    handler: (nbytes: number) => Uint8Array | string | null | Promise<Uint8Array | string | null>,
    holeHandler: () => { inData: boolean; length: number | bigint } | Promise<{ inData: boolean; length: number | bigint }>,
    skipHandler: (length: bigint) => void | Promise<void>,
  ): Promise<void>;
  /** `virStreamSparseRecvAll`: as recvAll, plus `holeHandler(length)` for each hole. */
  sparseRecvAll(handler: (chunk: Buffer) => void | Promise<void>, holeHandler: (length: bigint) => void | Promise<void>): Promise<void>;
}
