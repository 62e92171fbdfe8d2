// What a user of the CLI backends needs from the transport layer: the two transports and their
// types. Quoting, validation and remote file helpers stay internal.
export { LocalTransport } from './local.js';
export { SshTransport } from './ssh.js';
export type { SshTransportOptions } from './ssh.js';
export type { Transport, RunOptions, RunResult, SpawnOptions, ExitStatus, ProcessDuplex } from './types.js';
export { DEFAULT_TIMEOUT_MS } from './types.js';
