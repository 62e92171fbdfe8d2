/**
 * virtkit: the whole libvirt API for Node.js. The backends for Xen's `xl` and LXC's `lxc-*`,
 * the unified host facade and test helpers are subpath exports: `virtkit/xl`, `virtkit/lxc`,
 * `virtkit/host`, `virtkit/testing`.
 * @packageDocumentation
 * @module virtkit
 */
export * from './libvirt/index.js';
export { VirtkitError } from './errors.js';
export * from './xml/index.js';
export * from './provision/index.js';
export * from './exporter/index.js';
export * from './fleet/index.js';
