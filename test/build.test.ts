// `npm run build` gives plain JavaScript that runs on Node alone: the built API serves, trains its
// first model in a worker thread (dist/ml/train-worker.js, no tsx), and the built CLI and jobs
// runner start. This is what the Dockerfile runs.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireBuildLock } from './helpers/build-lock.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
// npm's variables from an `npm test` around us must not steer the inner npm; no tsx loader either.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') && k !== 'NODE_OPTIONS'));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let dataDir: string;
let api: ChildProcess | undefined;
let url: string;
let output = '';
let release: (() => void) | undefined;

beforeAll(async () => {
  // Held to the end: the built API and CLI load sdk/dist, which the package test would rebuild.
  release = await acquireBuildLock();
  await run('npm', ['run', 'build'], { cwd: root, env, maxBuffer: 16 * 1024 * 1024 });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-dist-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // From another folder: nothing may depend on the repository being the working directory.
  api = spawn(process.execPath, [path.join(root, 'dist/api/main.js')], {
    cwd: dataDir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'info', PAYMENT_PROVIDER: 'sandbox' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  api.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  api.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  for (let i = 0; ; i++) {
    if (api.exitCode !== null) throw new Error(`the built API exited with ${api.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error(`the built API did not answer /health within a minute:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 400_000);

afterAll(async () => {
  release?.();
  if (api && api.exitCode === null) {
    const exited = new Promise((r) => api!.once('exit', r));
    api.kill('SIGTERM');
    await exited;
  }
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run build', () => {
  it('writes the API, jobs runner, ML worker and CLI as .js next to the files they read', () => {
    for (const file of ['api/main.js', 'jobs/main.js', 'jobs/worker.js', 'ml/train-worker.js', 'cli/src/main.js', 'cli/package.json', 'openapi.yaml', 'api/db/migrations/meta/_journal.json']) {
      expect(fs.existsSync(path.join(root, 'dist', file)), file).toBe(true);
    }
    expect(fs.readdirSync(path.join(root, 'dist/api'), { recursive: true }).filter((f) => String(f).endsWith('.ts'))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'sdk/dist/index.js'))).toBe(true);
  });

  it('node dist/api/main.js serves /health, migrated and seeded, and trains its first model in a worker thread without tsx', async () => {
    const health = await json(`${url}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect((await json(`${url}/health/ready`)).status).toBe(200);
    const login = await json(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@demo.connectsphere.co.zw', password: 'harare-demo-2026' }),
    });
    expect(login.status).toBe(200);
    const auth = { authorization: `Bearer ${login.body.accessToken as string}` };
    // The first model trains in the background on a first start with demo data (ML_TRAIN_ON_START).
    let models: { items: { version: string }[] } = { items: [] };
    for (let i = 0; i < 600 && models.items.length === 0; i++) {
      models = (await json(`${url}/api/admin/ml/models`, { headers: auth })).body as typeof models;
      if (models.items.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(models.items.length, output).toBeGreaterThan(0);
    expect(output).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|tsx/);
  }, 150_000);

  it('node dist/cli/src/main.js --help lists the commands, --version prints the version', async () => {
    const help = await run(process.execPath, [path.join(root, 'dist/cli/src/main.js'), '--help'], { cwd: os.tmpdir(), env });
    expect(help.stdout).toMatch(/Usage: cs/);
    expect(help.stdout).toContain('login');
    const version = await run(process.execPath, [path.join(root, 'dist/cli/src/main.js'), '--version'], { cwd: os.tmpdir(), env });
    expect(version.stdout.trim()).toBe('0.1.0');
  });

  it('node dist/jobs/main.js starts and refuses PGlite with its message', async () => {
    const { DATABASE_URL: _none, ...withoutDatabaseUrl } = env;
    const jobs = await run(process.execPath, [path.join(root, 'dist/jobs/main.js')], { cwd: os.tmpdir(), env: withoutDatabaseUrl }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(jobs.code).toBe(1);
    expect(jobs.stderr).toContain('npm run jobs needs DATABASE_URL');
  });
});
