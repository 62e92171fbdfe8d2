/**
 * The root of every error virtkit raises itself. Each layer names its own subclass for who
 * raised it: `LibvirtError` (a libvirt call failed), `CliError` (an `xl`/`lxc-*` tool or its
 * transport failed), `HostError` (the host facade refused), `XMLError` (a document did not
 * match its schema). Argument mistakes are plain `TypeError`/`RangeError`, thrown before any
 * work starts.
 */
export class VirtkitError extends Error {}
