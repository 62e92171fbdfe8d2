// The fleet layer: many libvirt hosts at once, and live migration between them.
export * from './fleet.js';
export * from './migrate.js';
