// Volume upload/download throughput: virtkit's stream helpers next to
// `virsh vol-upload` / `vol-download` of the same file, in the same run.
// Needs libvirtd with the virtkit-pool (scripts/start-services.sh).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connect } from '../../dist/index.mjs';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'vk-bench-st-'));
const POOL = 'virtkit-pool';

function makeFile(path, sizeMiB, dataEveryMiB) {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 8) block.writeUInt32LE((i * 2654435761) >>> 0, i);
  for (let m = 0; m < sizeMiB; m += dataEveryMiB) writeSync(fd, block, 0, MiB, m * MiB);
  ftruncateSync(fd, sizeMiB * MiB);
  closeSync(fd);
}

const time = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
};
const virsh = (...a) => execFileSync('virsh', ['-c', 'qemu:///system', ...a], { stdio: 'ignore' });

const conn = await Connect.open('qemu:///system');
const pool = await conn.storagePoolLookupByName(POOL);
const rows = [];
for (const [label, sizeMiB, every, sparse] of [['dense 256 MiB', 256, 1, false], ['sparse 1 GiB (1/16 data)', 1024, 16, true]]) {
  const src = join(dir, 'src.img');
  makeFile(src, sizeMiB, every);
  const name = `vk-bench-st-${process.pid}.raw`;
  const vol = await pool.storageVolCreateXML(`<volume><name>${name}</name><capacity unit='MiB'>${sizeMiB}</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`);
  const sp = sparse ? ['--sparse'] : [];
  const res = { case: label };
  // alternate, best of 3 each
  const best = { vkUp: Infinity, virshUp: Infinity, vkDown: Infinity, virshDown: Infinity };
  for (let i = 0; i < 3; i++) {
    best.vkUp = Math.min(best.vkUp, await time(() => vol.uploadFrom(src, { sparse })));
    best.virshUp = Math.min(best.virshUp, await time(async () => virsh('vol-upload', ...sp, '--pool', POOL, name, src)));
    const dst = join(dir, 'dst.img');
    best.vkDown = Math.min(best.vkDown, await time(() => vol.downloadTo(dst, { sparse })));
    rmSync(dst, { force: true });
    best.virshDown = Math.min(best.virshDown, await time(async () => virsh('vol-download', ...sp, '--pool', POOL, name, dst)));
    rmSync(dst, { force: true });
  }
  const mbps = (s) => +(sizeMiB / s).toFixed(1);
  Object.assign(res, {
    upload_MiBps: { virtkit: mbps(best.vkUp), virsh: mbps(best.virshUp), ratio: +(best.virshUp / best.vkUp).toFixed(2) },
    download_MiBps: { virtkit: mbps(best.vkDown), virsh: mbps(best.virshDown), ratio: +(best.virshDown / best.vkDown).toFixed(2) },
  });
  rows.push(res);
  await vol.delete(0);
  rmSync(src, { force: true });
}
await conn.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(rows));
