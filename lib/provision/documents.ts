// INTERIM (until the typed XML layer lands): writes the domain and volume documents.
import type { DiskSpec, DomainSpec, VolumeSpec } from './spec.js';

function esc(s: string | number | bigint): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function el(name: string, attrs: Record<string, string | number | undefined | null> = {}, body?: string | string[]): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${esc(v!)}"`)
    .join('');
  if (body === undefined || (Array.isArray(body) && body.length === 0)) return `<${name}${a}/>`;
  return `<${name}${a}>${Array.isArray(body) ? body.join('') : body}</${name}>`;
}

function disk(d: DiskSpec): string {
  const source = 'file' in d.source ? el('source', { file: d.source.file }) : 'dev' in d.source ? el('source', { dev: d.source.dev }) : el('source', { pool: d.source.pool, volume: d.source.volume });
  return el('disk', { type: d.type, device: d.device }, [
    el('driver', { name: 'qemu', type: d.format, discard: d.discard ? 'unmap' : undefined }),
    source,
    el('target', { dev: d.dev, bus: d.bus }),
    d.readonly ? el('readonly') : '',
  ]);
}

export function domainDocument(s: DomainSpec): string {
  const features: string[] = [];
  if (s.features.acpi) features.push(el('acpi'));
  if (s.features.apic) features.push(el('apic'));
  if (s.features.pae) features.push(el('pae'));
  if (s.features.vmportOff) features.push(el('vmport', { state: 'off' }));
  const devices: string[] = [];
  if (s.emulator) devices.push(el('emulator', {}, esc(s.emulator)));
  devices.push(...s.disks.map(disk));
  for (const c of s.controllers) {
    devices.push(el('controller', { type: c.type, model: c.model, ports: c.ports }, c.masterStartport === undefined ? undefined : el('master', { startport: c.masterStartport })));
  }
  for (const n of s.nics) {
    devices.push(el('interface', { type: n.type }, [el('source', n.type === 'network' ? { network: n.source } : { bridge: n.source }), n.model ? el('model', { type: n.model }) : '']));
  }
  if (s.console) devices.push(el('console', { type: 'pty' }));
  for (const c of s.channels) {
    devices.push(
      c === 'qemu-ga'
        ? el('channel', { type: 'unix' }, [el('source', { mode: 'bind' }), el('target', { type: 'virtio', name: 'org.qemu.guest_agent.0' })])
        : el('channel', { type: 'spicevmc' }, el('target', { type: 'virtio', name: 'com.redhat.spice.0' })),
    );
  }
  if (s.tablet) devices.push(el('input', { type: 'tablet', bus: 'usb' }));
  if (s.graphics) {
    const g = s.graphics;
    devices.push(
      g.type === 'vnc'
        ? el('graphics', { type: 'vnc', port: -1, listen: g.listen })
        : el('graphics', { type: 'spice', port: -1, tlsPort: -1, autoport: 'yes', listen: g.listen }, el('image', { compression: 'off' })),
    );
  }
  if (s.video) devices.push(el('video', {}, el('model', { type: s.video })));
  if (s.memballoon) devices.push(el('memballoon', { model: 'virtio' }));
  if (s.rng) devices.push(el('rng', { model: 'virtio' }, el('backend', { model: 'random' }, '/dev/urandom')));
  return (
    el('domain', { type: s.type }, [
      el('name', {}, esc(s.name)),
      s.osinfoId
        ? el('metadata', {}, el('libosinfo:libosinfo', { 'xmlns:libosinfo': 'http://libosinfo.org/xmlns/libvirt/domain/1.0' }, el('libosinfo:os', { id: s.osinfoId })))
        : '',
      el('memory', { unit: 'KiB' }, String(s.memoryKiB)),
      el('currentMemory', { unit: 'KiB' }, String(s.memoryKiB)),
      el('vcpu', {}, String(s.vcpus)),
      el('os', { firmware: s.firmware }, [el('type', { arch: s.arch, machine: s.machine }, 'hvm'), ...s.boot.map((b) => el('boot', { dev: b }))]),
      el('features', {}, features),
      s.cpuPassthrough ? el('cpu', { mode: 'host-passthrough' }) : '',
      el(
        'clock',
        { offset: s.clock.offset },
        s.clock.timers ? [el('timer', { name: 'rtc', tickpolicy: 'catchup' }), el('timer', { name: 'pit', tickpolicy: 'delay' }), el('timer', { name: 'hpet', present: 'no' })] : [],
      ),
      s.pmOff ? el('pm', {}, [el('suspend-to-mem', { enabled: 'no' }), el('suspend-to-disk', { enabled: 'no' })]) : '',
      el('devices', {}, devices),
    ]) + '\n'
  );
}

export function volumeDocument(v: VolumeSpec): string {
  return (
    el('volume', {}, [
      el('name', {}, esc(v.name)),
      el('capacity', { unit: 'bytes' }, String(v.capacityBytes)),
      el('allocation', { unit: 'bytes' }, '0'),
      v.format ? el('target', {}, el('format', { type: v.format })) : '',
    ]) + '\n'
  );
}
