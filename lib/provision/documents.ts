// The domain and volume documents, built as typed values and written by the typed XML layer.
import { domainXML, storageVolXML, type DomainDef, type StorageVolDef } from '../xml/index.js';
import type { DiskSpec, DomainSpec, VolumeSpec } from './spec.js';

type Devices = NonNullable<DomainDef['devices']>;
type Disk = NonNullable<Devices['disk']>[number];
type Controller = NonNullable<Devices['controller']>[number];
type Video = NonNullable<Devices['video']>[number];
type OsType = NonNullable<NonNullable<DomainDef['os']>['type']>;
// The spec holds plain strings read from libvirt's answers and osinfo; these are the
// places where they meet the schema's literal unions.

function disk(d: DiskSpec): Disk {
  const source = 'file' in d.source ? { file: d.source.file } : 'dev' in d.source ? { dev: d.source.dev } : { pool: d.source.pool, volume: d.source.volume };
  const out: Disk = {
    type: d.type,
    device: d.device,
    driver: { name: 'qemu', type: d.format as NonNullable<Disk['driver']>['type'], ...(d.discard ? { discard: 'unmap' as const } : {}) },
    source,
    target: { dev: d.dev, bus: d.bus as NonNullable<Disk['target']>['bus'] },
  };
  if (d.readonly) out.readonly = {};
  return out;
}

/** libvirt's domain XML for the decided guest. */
export function domainDocument(s: DomainSpec): string {
  const devices: Devices = {};
  if (s.emulator) devices.emulator = s.emulator;
  devices.disk = s.disks.map(disk);
  devices.controller = s.controllers.map((c) => ({
    type: c.type,
    '@model': c.model as Controller['@model'],
    ...(c.ports !== undefined ? { ports: c.ports } : {}),
    ...(c.masterStartport !== undefined ? { master: { startport: String(c.masterStartport) } } : {}),
  }));
  devices.interface = s.nics.map((n) => ({
    type: n.type,
    source: n.type === 'network' ? { network: n.source } : { bridge: n.source },
    ...(n.model ? { model: { type: n.model } } : {}),
  }));
  if (s.console) devices.console = [{ type: 'pty' }];
  devices.channel = s.channels.map((c) =>
    c === 'qemu-ga'
      ? { type: 'unix', source: [{ mode: 'bind' }], target: { type: 'virtio', name: 'org.qemu.guest_agent.0' } }
      : { type: 'spicevmc', target: { type: 'virtio', name: 'com.redhat.spice.0' } },
  );
  if (s.tablet) devices.input = [{ type: 'tablet', bus: 'usb' }];
  if (s.graphics) {
    const listen = s.graphics.listen === null ? {} : { '@listen': s.graphics.listen };
    devices.graphics = [
      s.graphics.type === 'vnc'
        ? { type: 'vnc', port: -1, ...listen }
        : { type: 'spice', port: -1, tlsPort: -1, autoport: 'yes', ...listen, image: { compression: 'off' } },
    ];
  }
  if (s.video) devices.video = [{ model: { type: s.video as NonNullable<Video['model']>['type'] } }];
  if (s.memballoon) devices.memballoon = { model: 'virtio' };
  if (s.rng) devices.rng = [{ model: 'virtio', backend: { model: 'random', '#text': '/dev/urandom' } }];

  const features: NonNullable<DomainDef['features']> = {};
  if (s.features.acpi) features.acpi = {};
  if (s.features.apic) features.apic = {};
  if (s.features.pae) features.pae = {};
  if (s.features.vmportOff) features.vmport = { state: 'off' };
  if (s.features.hyperv) features.hyperv = { relaxed: { state: 'on' }, vapic: { state: 'on' }, spinlocks: { state: 'on', retries: 8191 } };

  const def: DomainDef = {
    type: s.type as DomainDef['type'],
    name: s.name,
    memory: { unit: 'KiB', '#text': BigInt(s.memoryKiB) },
    currentMemory: { unit: 'KiB', '#text': BigInt(s.memoryKiB) },
    vcpu: { '#text': s.vcpus },
    os: {
      ...(s.firmware ? { '@firmware': s.firmware } : {}),
      type: { arch: s.arch as OsType['arch'], ...(s.machine !== null ? { machine: s.machine } : {}), '#text': 'hvm' },
      boot: s.boot.map((dev) => ({ dev })),
    },
    features,
    clock: {
      offset: s.clock.offset,
      ...(s.clock.timers
        ? {
            timer: [
              { name: 'rtc', tickpolicy: 'catchup' },
              { name: 'pit', tickpolicy: 'delay' },
              { name: 'hpet', present: 'no' },
              ...(s.clock.hypervclock ? [{ name: 'hypervclock' as const, present: 'yes' as const }] : []),
            ],
          }
        : {}),
    },
    devices,
  };
  if (s.osinfoId) {
    // libosinfo's own namespace: outside libvirt's schema, kept as an extra element.
    def.metadata = {
      '#extra': [
        {
          name: 'libosinfo:libosinfo',
          attrs: { 'xmlns:libosinfo': 'http://libosinfo.org/xmlns/libvirt/domain/1.0' },
          children: [{ name: 'libosinfo:os', attrs: { id: s.osinfoId }, children: [] }],
        },
      ],
    };
  }
  if (s.cpuPassthrough) def.cpu = { mode: 'host-passthrough' };
  if (s.pmOff) def.pm = { 'suspend-to-mem': { enabled: 'no' }, 'suspend-to-disk': { enabled: 'no' } };
  return domainXML(def);
}

/** libvirt's storagevol XML for a new, sparse volume. */
export function volumeDocument(v: VolumeSpec): string {
  const vol: StorageVolDef = {
    name: v.name,
    capacity: { unit: 'bytes', '#text': v.capacityBytes },
    allocation: { unit: 'bytes', '#text': 0n },
    target: v.format ? { format: { type: v.format } } : {},
  };
  return storageVolXML(vol);
}
