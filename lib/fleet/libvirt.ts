// What the fleet layer uses from the libvirt layer, in one place.
export { Connect, Domain } from '../classes.js';
export { LibvirtError } from '../errors.js';
export { ReconnectingConnection } from '../reconnect.js';
export type { ReconnectOptions } from '../reconnect.js';
export { pollStats } from '../poller.js';
export type { PollOptions, PollSnapshot } from '../poller.js';
export { eventName } from '../events.js';
export type { VirEvent } from '../events.js';
export type { TypedParams, TypedParamsInput } from '../typed-params.js';
export * as C from '../generated/constants.js';
