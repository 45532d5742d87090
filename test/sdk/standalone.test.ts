// sdk/ is published on its own: it may import only itself, node: built-ins, undici and ws (Node 20 has no
// global WebSocket; the browser build uses the browser's).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '@connectsphere/sdk';

const sdk = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../sdk');
const pkg = JSON.parse(fs.readFileSync(path.join(sdk, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(full) : /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

describe('@connectsphere/sdk package', () => {
  it('imports nothing outside sdk/src but node: built-ins, undici and ws', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(path.join(sdk, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      // Not a path that ends in a word like /import (POST /api/supplier/products/import).
      for (const [, specifier] of text.matchAll(/(?<![\w/.-])(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const s = specifier!;
        const inside = s.startsWith('.') && path.resolve(path.dirname(file), s).startsWith(path.join(sdk, 'src') + path.sep);
        if (!inside && !s.startsWith('node:') && s !== 'undici' && s !== 'ws') offending.push(`${path.relative(sdk, file)}: ${s}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('touches node: built-ins, undici and ws in platform/node.ts only, the one file the browser build swaps', () => {
    const nodeOnly: string[] = [];
    for (const file of sourceFiles(path.join(sdk, 'src'))) {
      if (file === path.join(sdk, 'src/platform/node.ts')) continue;
      const text = fs.readFileSync(file, 'utf8');
      // Type-only imports are erased from the build.
      for (const [, typeOnly, specifier] of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?[^'";]*?['"]([^'"]+)['"]/gm)) {
        if (typeOnly) continue;
        if (specifier!.startsWith('node:') || specifier === 'undici' || specifier === 'ws') nodeOnly.push(`${path.relative(sdk, file)}: ${specifier}`);
      }
    }
    expect(nodeOnly).toEqual([]);
  });

  it('depends on undici and ws only', () => {
    expect(Object.keys(pkg.dependencies ?? {})).toEqual(['undici', 'ws']);
  });

  it('sends the version of its package.json in the user-agent', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
