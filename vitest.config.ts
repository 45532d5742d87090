import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // As tsconfig.json's `paths`: tests use the SDK's source; test/sdk/package.test.ts checks the build.
  resolve: { alias: { '@connectsphere/sdk': fileURLToPath(new URL('./sdk/src/index.ts', import.meta.url)) } },
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
