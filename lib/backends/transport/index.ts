/**
 * Transports: run programs locally or over SSH, always as argv (never through a local shell).
 * @packageDocumentation
 */
export * from './types.js';
export * from './quote.js';
export * from './local.js';
export * from './ssh.js';
export * from './process-stream.js';
export * from './validate.js';
export * from './remote-fs.js';
