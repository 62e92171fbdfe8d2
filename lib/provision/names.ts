// New volume names, chosen the way virt-install chooses them: the guest's name plus the
// format's extension, then NAME-1, NAME-2... until the name is free in the pool.

/** `.qcow2` for qcow2, `.img` for raw, nothing for a pool whose volumes have no format. */
export function extensionFor(format: 'qcow2' | 'raw' | null): string {
  if (format === null) return '';
  return format === 'raw' ? '.img' : `.${format}`;
}

/**
 * The first of `base+ext`, `base-1+ext`, `base-2+ext`, ... not in `taken` (the pool's volumes
 * and the names this install already picked).
 */
export function freeVolumeName(base: string, format: 'qcow2' | 'raw' | null, taken: ReadonlySet<string>): string {
  const ext = extensionFor(format);
  if (!taken.has(base + ext)) return base + ext;
  for (let i = 1; ; i++) {
    const name = `${base}-${i}${ext}`;
    if (!taken.has(name)) return name;
  }
}

/** Disk target names: `hda`.. for ide, `sda`.. for sata/scsi/usb, `vda`.. for virtio. */
export function targetPrefix(bus: string): string {
  if (bus === 'virtio') return 'vd';
  if (bus === 'ide') return 'hd';
  if (bus === 'xen') return 'xvd';
  if (bus === 'fdc') return 'fd';
  return 'sd';
}

/** a..z, aa..az, ... (1-based), as libvirt and virt-install number disks. */
export function targetSuffix(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(97 + ((i - 1) % 26)) + s;
  return s;
}
