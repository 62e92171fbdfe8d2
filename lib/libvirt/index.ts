/**
 * The libvirt layer: the addon's classes (generated from libvirt-api.xml plus the hand-written
 * calls), constants, errors, typed parameters, streams, events, reconnect and the stats poller.
 * @packageDocumentation
 */
import { native } from './binding.js';
import { LibvirtError } from './errors.js';
import type * as G from './generated/api.js';

native._setup(LibvirtError);

export * from './classes.js';
export * from './generated/constants.js';
export * from './typed-params.js';
export type * from './generated/api.js';
export type * from './manual-types.js';
export { LibvirtError } from './errors.js';
export * from './event-types.js';
export { events, subscribe, eventIDs, eventName, ConnectEventEmitter } from './events.js';
export type { EventsOptions, EventIterator, EventSource, ConnectEmitterEvents } from './events.js';
export { ReconnectingConnection } from './reconnect.js';
export { ConnectionClosedError, CLOSE_REASON_NAMES } from './close-watch.js';
import './stream.js';
import './stream-helpers.js';
export { toReadable, toWritable, toDuplex, readChunk, writeAll, STREAM_CHUNK } from './stream.js';
export type { StreamAdapters, StreamAdapterOptions } from './stream.js';
/** The native Stream methods (generated and hand-written). */
export type { StreamMethods as StreamNative } from './generated/api.js';
export type { DomainStreamHelpers, StorageVolStreamHelpers, ConsoleOptions, VolTransferOptions } from './stream-helpers.js';
export type { ReconnectOptions, Subscription, ReconnectEvents } from './reconnect.js';
export type { LibvirtErrorFields } from './errors.js';

const fns = native as G.ModuleFunctions;

/** `virGetVersion`: libvirt's version, and a driver's when `type` is given. */
export const getVersion: G.ModuleFunctions['getVersion'] = fns.getVersion.bind(native);

const loop = fns;
/** `virEventAddTimeout` */
export const eventAddTimeout = loop.eventAddTimeout;
/** `virEventUpdateTimeout` */
export const eventUpdateTimeout = loop.eventUpdateTimeout;
/** `virEventRemoveTimeout` */
export const eventRemoveTimeout = loop.eventRemoveTimeout;
/** `virEventAddHandle` */
export const eventAddHandle = loop.eventAddHandle;
/** `virEventUpdateHandle` */
export const eventUpdateHandle = loop.eventUpdateHandle;
/** `virEventRemoveHandle` */
export const eventRemoveHandle = loop.eventRemoveHandle;

/**
 * How a rejected call's error gets its stack.
 * - `'await'` (the default): when a call fails, its stack is captured in a rejection handler
 *   on the returned promise, so V8's async stack trace lists the async functions awaiting it
 *   (`at async main (app.js:12:3)`), as for an error thrown in async code. While calls succeed it
 *   costs one promise reaction per call. A caller that does not `await` (plain `.then`
 *   callbacks) gets no caller frames.
 * - `true`: the synchronous stack at the call, captured at every call (also for callers that
 *   do not await). Costs 2.5–8 µs per call in optimized code on a 2-core VM (V8 rebuilds
 *   inlined frames).
 * - `false`: no caller frames.
 */
export function setCaptureStacks(mode: boolean | 'await'): void {
  native.setCaptureStacks(mode);
}

/**
 * Live wrapper counts per class, pool threads, calls in flight and the
 * callbacks (events, stream events, loop timers) that keep the process alive
 * (for leak checks), and how many times this thread busy-polled for a result
 * (`VIRTKIT_SPIN_US`; only while the calls awaited are short).
 */
export function diagnostics(): { live: Record<string, number>; poolThreads: number; inFlight: number; keepAlive: number; spins: number } {
  return native._diagnostics();
}

// Stats poller for monitoring agents.
export * from './poller.js';
