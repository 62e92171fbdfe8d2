import { defineConfig } from 'vitest/config';

// One config; suites are picked by folder (`vitest run test/unit`, ...).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
