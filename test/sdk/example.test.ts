// The partner-app example runs as its own process against a real server and exits cleanly.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { liveServer } from '../helpers/app.ts';
import { closedPort } from './stub-server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(async () => {
  await app.close();
});

/** Runs the example asynchronously (a sync spawn would block this process's server). */
function runExample(apiUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'examples/partner-app.ts'],
      { cwd: root, env: { ...process.env, CS_API_URL: apiUrl }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('examples/partner-app.ts', () => {
  it('registers a trader, saves preferences, prints the profile summary and exits 0', async () => {
    const { code, stdout, stderr } = await runExample(url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`ConnectSphere 0.1.0 at ${url} is ok`);
    expect(stdout).toMatch(/Registered Chipo Mutasa <partner-example-[0-9a-f]{8}@example\.co\.zw> as trader/);
    expect(stdout).toContain('phone       +263772345678');
    expect(stdout).toContain('market      Budiriro, Harare');
    expect(stdout).toContain('buys        mealie-meal, cooking-oil, soap (fortnightly)');
    expect(stdout).toContain('budget      USD 20.00 to 150.00');
    expect(stdout).toMatch(/segment {5}budiriro:/);
    expect(stdout).toContain('Signed out.');
  });

  it('exits 1 with a clear message when the API is not running', async () => {
    const { code, stderr } = await runExample(`http://127.0.0.1:${await closedPort()}`);
    expect(code).toBe(1);
    expect(stderr).toContain('Could not reach ConnectSphere');
  });
});
