/**
 * Typed backend for the LXC command-line tools (`lxc-*`, LXC 5).
 * @packageDocumentation
 */
export * from './lxc.js';
export * from './parse.js';
