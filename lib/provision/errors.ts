import { VirtkitError } from '../errors.js';

/** Why the host cannot provide what the options ask for. */
export type ProvisionErrorCode =
  | 'NO_GUEST_TYPE' // no hvm guest for the arch / virt type in the host's capabilities
  | 'NO_MACHINE' // machine type not offered for that arch
  | 'NO_POOL' // storage pool missing or not running
  | 'NO_NETWORK' // libvirt network missing
  | 'NO_PATH' // an existing disk or cdrom path that does not exist
  | 'UNSUPPORTED' // graphics type, firmware, vcpu count the hypervisor refuses
  | 'UNKNOWN_OS' // osVariant not in osinfo-db
  | 'EXISTS'; // a domain (or named volume) of that name exists already

/**
 * The host refuses what the install options ask for (checked before anything is created),
 * or an install failed part-way; then `cause` holds the libvirt error and `cleanup` lists
 * what could not be removed (empty when everything created was removed).
 */
export class ProvisionError extends VirtkitError {
  readonly code: ProvisionErrorCode | 'INSTALL_FAILED';
  readonly cleanup: string[];
  constructor(code: ProvisionErrorCode | 'INSTALL_FAILED', message: string, opts: { cause?: unknown; cleanup?: string[] } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProvisionError';
    this.code = code;
    this.cleanup = opts.cleanup ?? [];
  }
}
