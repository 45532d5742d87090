import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm start` as a real process: migrate on start, serve, log structured lines without secrets,
// and shut down cleanly on SIGTERM.
describe('the API process', () => {
  it('starts, logs request ids without secrets, and exits 0 on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-proc-'));
    const port = 3900 + Math.floor(Math.random() * 80);
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      // No load shedding, as in every test app (test/helpers/app.ts): on two cores shared with the rest
      // of the suite a fresh process's event loop can lag past the 1 s default and answer 503.
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), SEED_DEMO_DATA: 'false', JOBS_ENABLED: 'false', ML_TRAIN_ON_START: 'false', LOG_LEVEL: 'info', LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 240; i++) {
      const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const password = 'secret-password-4242';
    const res = await fetch(`${url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'proc-test-1' },
      body: JSON.stringify({ email: 'proc@example.co.zw', name: 'Proc Test', password, phone: '0772123456', location: { market: 'Highfield' } }),
    });
    expect(res.status).toBe(201);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.some((l) => l.reqId === 'proc-test-1' && l.msg === 'request completed')).toBe(true);
    expect(lines.some((l) => String(l.msg).startsWith('shutting down'))).toBe(true);
    expect(lines.find((l) => l.demoData !== undefined)).toMatchObject({ demoData: false, reason: 'SEED_DEMO_DATA=false', msg: 'demo data not loaded (SEED_DEMO_DATA=false)' });
    expect(out).not.toContain(password);
    expect(fs.existsSync(path.join(dataDir, 'keys', 'jwt-keys.json'))).toBe(true);
    expect((fs.statSync(path.join(dataDir, 'keys', 'jwt-keys.json')).mode & 0o777).toString(8)).toBe('600');
  }, 120_000);

  it('refuses to start with demo data in production, naming the variable', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-proc-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: { ...process.env, DATA_DIR: dataDir, PORT: '0', NODE_ENV: 'production', SEED_DEMO_DATA: 'true', JOBS_ENABLED: 'false', ML_TRAIN_ON_START: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(err).toContain('SEED_DEMO_DATA: demo data (accounts with a published password) is refused when NODE_ENV=production');
    expect(fs.existsSync(path.join(dataDir, 'pgdata'))).toBe(false);
  }, 60_000);
});
