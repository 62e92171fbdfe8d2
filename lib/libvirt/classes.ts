// The JS classes: the addon's constructors, typed by the generated interfaces
// (generated and hand-written methods alike) plus the TypeScript helpers.
export * from './generated/classes.js';

import { Connect } from './generated/classes.js';

// A restore starts a domain the call does not name, so the Domain objects of the connection
// (one per domain, refreshed by every pointer libvirt hands over) still hold the ID of before.
// One listing of the active domains refreshes them all, so `getID()` answers the new ID.
for (const m of ['domainRestore', 'domainRestoreFlags', 'domainRestoreParams']) {
  const proto = Connect.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig = proto[m];
  if (typeof orig !== 'function') continue;
  // Not async: argument errors stay synchronous throws, as for every other method.
  proto[m] = function (this: Connect, ...args: unknown[]) {
    return orig.apply(this, args).then((r) =>
      this.listAllDomains(1 /* VIR_CONNECT_LIST_DOMAINS_ACTIVE */).then(() => r, () => r));
  };
}
