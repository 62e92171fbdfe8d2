/**
 * `virtkit/testing`: helpers for testing code that uses virtkit's CLI backends without the
 * tools installed (a scripted transport).
 * @packageDocumentation
 * @module virtkit/testing
 */
export { FakeTransport } from './fake-transport.js';
export type * from './fake-transport.js';
export type { Transport, RunOptions, RunResult, SpawnOptions, ExitStatus, ProcessDuplex } from '../backends/transport/types.js';
