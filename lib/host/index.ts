/**
 * The unified host: libvirt domains (KVM/QEMU, Xen, LXC, test), Xen domains through `xl` and
 * LXC containers through `lxc-*`, behind one {@link Host} / {@link Guest} interface.
 * Start with {@link openHost}.
 * @packageDocumentation
 * @module virtkit/host
 */
export * from './types.js';
export * from './errors.js';
export * from './state.js';
export { openHost, libvirtUri, type HostSpec, type HostSshSpec, type UriTarget } from './open.js';
export { LibvirtHost, LibvirtGuest, mapLibvirtError } from './libvirt.js';
export { XlHost, XlGuest, xlGuestInfo } from './xl.js';
export { LxcHost, LxcGuest, lxcGuestInfo, countCpuList } from './lxc.js';
export { DEFAULT_POLL_INTERVAL_MS, diffSnapshots } from './watch.js';
