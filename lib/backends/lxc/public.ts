/**
 * `virtkit/lxc`: a typed backend for the LXC command-line tools (`lxc-*`, LXC 5), run locally
 * or over SSH.
 * @packageDocumentation
 * @module virtkit/lxc
 */
export { Lxc, renderConfig } from './lxc.js';
export type {
  LxcBackingStore, LxcConfigValues, LxcCreateOptions, LxcAttachOptions, LxcAttachResult,
  LxcStopResult, LxcAutostart, LxcOptions,
} from './lxc.js';
export { LXC_STATES } from './parse.js';
export type { LxcState, LxcListEntry, LxcInfo, LxcSnapshot, LxcConfigEntry } from './parse.js';
export * from '../transport/public.js';
export * from '../errors.js';
