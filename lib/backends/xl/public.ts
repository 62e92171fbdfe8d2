/**
 * `virtkit/xl`: a typed backend for Xen's `xl` toolstack, run locally or over SSH.
 * @packageDocumentation
 * @module virtkit/xl
 */
export { Xl } from './xl.js';
export type { XlDomain, XlOptions, XlShutdownOptions, XlCreateOptions, XlCreateResult } from './xl.js';
export type {
  XlShutdownReason, XlStateFlags, XlStateName, XlListRow, XlDomainType, XlDomainDetails,
  XlListLongResult, XlInfo, XlVcpu, XlUptime, XlNic, XlBlock,
} from './parse.js';
export { renderXlConfig } from './config.js';
export type { XlAction, XlDiskSpec, XlVifSpec, XlConfigValue, XlConfig } from './config.js';
export * from '../transport/public.js';
export * from '../errors.js';
