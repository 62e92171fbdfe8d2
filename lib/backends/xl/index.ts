/**
 * Typed backend for Xen's `xl` toolstack.
 * @packageDocumentation
 */
export * from './xl.js';
export * from './parse.js';
export * from './config.js';
