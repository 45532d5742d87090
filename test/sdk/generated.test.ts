// sdk/src/schema.d.ts is generated from openapi.yaml (`npm run generate`); these fail when the
// spec changed and the types were not regenerated.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const spec = path.join(root, 'openapi.yaml');
const generatedFile = path.join(root, 'sdk/src/schema.d.ts');
const cli = path.join(root, 'node_modules/openapi-typescript/bin/cli.js');

/** What the CLI behind `npm run generate` writes, produced in-process. */
async function generate(): Promise<string> {
  return COMMENT_HEADER + astToString(await openapiTS(pathToFileURL(spec)));
}

describe('generated SDK types', () => {
  it('sdk/src/schema.d.ts is up to date with openapi.yaml (run `npm run generate` if not)', async () => {
    const committed = fs.readFileSync(generatedFile, 'utf8');
    expect(committed === (await generate()), 'sdk/src/schema.d.ts is stale: run `npm run generate`').toBe(true);
  });

  it('the in-process generation is byte for byte what the openapi-typescript CLI produces', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'openapi.yaml'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    expect(stdout === (await generate()), 'openapi-typescript CLI output differs from openapiTS + astToString').toBe(true);
  });
});
