import { defineConfig } from 'tsup';

export default defineConfig({
  // cli: the `virtkit` command (bin/virtkit.js requires dist/cli.cjs); no typings of its own.
  entry: { index: 'lib/index.ts', cli: 'lib/cli/index.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'lib/index.ts' } },
  // One bundle per entry (no shared ESM chunks): dist/index.mjs stays self-contained.
  splitting: false,
  shims: true,
  clean: true,
  target: 'node20',
  outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
});
