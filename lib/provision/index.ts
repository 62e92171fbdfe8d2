/** Provisioning: virt-install's job in one typed call. */
export { planInstall, type InstallPlan } from './plan.js';
export { install } from './install.js';
export type { InstallOptions, ExistingDisk, NewVolumeDisk } from './options.js';
export { ProvisionError, type ProvisionErrorCode } from './errors.js';
