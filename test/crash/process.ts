import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../api/db/client.ts';
import { withDatabase } from '../setup/global.ts';

// A real API process (`api/main.ts`, as `npm start` runs it) on a PostgreSQL database of its own,
// for the crash tests: they kill it with SIGKILL at a crash point (CS_CRASH_AT, api/crash-point.ts)
// and start it again on the same database.

export const adminEmail = 'crash-admin@example.co.zw';
export const adminPassword = 'crash-admin-password-2026';

let counter = 0;

/** A fresh database cloned from the run's migrated template, and a connection to it for the test. */
export async function crashDatabase(): Promise<{ url: string; database: Database; drop(): Promise<void> }> {
  const template = inject('pgTemplateUrl');
  if (!template) throw new Error('the crash tests need TEST_DATABASE_URL (PostgreSQL)');
  counter += 1;
  const templateName = new URL(template).pathname.slice(1);
  const name = `${templateName}_crash${counter}_${process.pid}`;
  const admin = new pg.Client({ connectionString: template });
  await admin.connect();
  await admin.query(`create database ${name} template ${templateName}`);
  await admin.end();
  const url = withDatabase(template, name);
  const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
  return {
    url,
    database,
    async drop() {
      await database.close();
      const a = new pg.Client({ connectionString: template });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export interface ServerProcess {
  url: string;
  /** How the process ended: its exit code, or the signal that killed it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  /** Started and answering /health (false: it exited first). */
  ready: Promise<boolean>;
  stop(): Promise<void>;
}

export async function startServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-crash-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO_DATA: 'false',
      JOBS_ENABLED: 'false',
      ML_TRAIN_ON_START: 'false',
      NOTIFY_TRANSPORT: 'log',
      LOG_LEVEL: 'warn',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    for (let i = 0; i < 480 && !done; i++) {
      if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return true;
      await new Promise((r) => setTimeout(r, 250));
    }
    return false;
  })();
  return {
    url,
    exited,
    ready,
    output: () => out,
    async stop() {
      if (!done) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The admin's bearer header on a running server. */
export async function adminHeaders(server: ServerProcess): Promise<Record<string, string>> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: adminEmail, password: adminPassword }),
  });
  if (!res.ok) throw new Error(`admin login failed: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
}

/** Runs a job on the server (POST /api/admin/jobs/{name}/run) and returns its run. */
export async function runJobOn(server: ServerProcess, headers: Record<string, string>, name: string) {
  const res = await fetch(`${server.url}/api/admin/jobs/${name}/run`, { method: 'POST', headers: { authorization: headers.authorization! } });
  if (!res.ok) throw new Error(`job ${name}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { outcome: string; counts: Record<string, number> };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
