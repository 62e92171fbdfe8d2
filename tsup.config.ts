import { defineConfig } from 'tsup';

// The package face and its subpaths. They share one copy of each module (code splitting), so
// `instanceof LibvirtError` or `CliError` holds across `virtkit` and `virtkit/host`, and the
// addon is set up once.
const entry = {
  index: 'lib/index.ts',
  xl: 'lib/backends/xl/public.ts',
  lxc: 'lib/backends/lxc/public.ts',
  host: 'lib/host/index.ts',
  testing: 'lib/testing/index.ts',
};

export default defineConfig([
  {
    entry,
    format: ['esm', 'cjs'],
    dts: { entry },
    splitting: true,
    shims: true,
    clean: true,
    target: 'node20',
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  },
  {
    // The `virtkit` command (bin/virtkit.js requires dist/cli.cjs): one file, no typings.
    entry: { cli: 'lib/cli/index.ts' },
    format: ['cjs'],
    splitting: false,
    shims: true,
    clean: false,
    target: 'node20',
    outExtension: () => ({ js: '.cjs' }),
  },
]);
