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
  /** `virStreamEventRemoveCallback` */
  eventRemoveCallback(): Promise<void>;
}
