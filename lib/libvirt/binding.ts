// Loads the native addon: a prebuilt binary for this platform, or the one built
// from source by `npm install` (node-gyp-build picks).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const req = createRequire(__filename);

// The package root holds binding.gyp: from the sources (lib/libvirt/) and from the bundle
// (dist/) it is a different number of levels up.
function packageRoot(): string {
  for (let d = __dirname; ; d = dirname(d)) {
    if (existsSync(join(d, 'binding.gyp'))) return d;
    if (dirname(d) === d) return join(__dirname, '..');
  }
}

function load(): any {
  // Set by `npm run test:unit`: those tests must run where no addon can be built.
  if (process.env.VIRTKIT_NO_ADDON) throw new Error('virtkit: the native addon was loaded while VIRTKIT_NO_ADDON is set');
  const root = packageRoot();
  try {
    return req('node-gyp-build')(root);
  } catch (err) {
    const e = new Error(
      'virtkit: no native binary for ' + process.platform + '-' + process.arch +
        ' and none was built from source. Install the build dependencies and rebuild:\n' +
        '  Debian/Ubuntu: apt-get install libvirt-dev pkg-config g++ make python3\n' +
        '  Fedora/RHEL:   dnf install libvirt-devel pkgconf gcc-c++ make python3\n' +
        '  then: npm rebuild virtkit\n' +
        'Cause: ' + (err as Error).message,
    );
    (e as any).code = 'ERR_VIRTKIT_NO_BINARY';
    throw e;
  }
}

/** The raw native module. @internal */
export const native: any = load();
