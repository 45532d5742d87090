// The published package: ESM and CommonJS for Node (with .d.ts), and an ESM build for browsers in
// which platform/node.ts (undici, node:crypto) is swapped for platform/browser.ts (fetch).
// Inside this repository nothing uses dist/: tsconfig `paths` send tsx, tsc and vitest to src/.
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const browserPlatform: Plugin = {
  name: 'browser-platform',
  setup(build) {
    build.onResolve({ filter: /\/platform\/node\.ts$/ }, (args) => ({
      path: path.join(args.resolveDir, args.path.replace(/node\.ts$/, 'browser.ts')),
    }));
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'node',
    target: 'node20',
    dts: true,
    sourcemap: true,
    clean: true,
    tsconfig: 'tsconfig.json',
  },
  {
    entry: { 'index.browser': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    tsconfig: 'tsconfig.json',
    esbuildPlugins: [browserPlatform],
  },
]);
