import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    globalSetup: ['test/setup/global.ts'],
    setupFiles: ['test/setup/network.ts'],
    pool: 'forks',
    // One database per worker, created once and reset between tests (PGlite takes seconds to start),
    // so modules stay loaded across the files a worker runs.
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
