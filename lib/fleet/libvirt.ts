// What the fleet layer uses from the libvirt layer, in one place.
export { Connect, Domain, LibvirtError, ReconnectingConnection, pollStats, eventName } from '../libvirt/index.js';
export type {
  ReconnectOptions, PollOptions, PollSnapshot, VirEvent, TypedParams, TypedParamsInput,
} from '../libvirt/index.js';
export * as C from '../libvirt/generated/constants.js';
