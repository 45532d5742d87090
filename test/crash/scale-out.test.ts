// The scale-out the README describes, as real processes: two API processes (`api/main.ts`, as
// `npm start` runs it) and one jobs process (`jobs/main.ts`, `npm run jobs`) on one PostgreSQL
// database, sharing only the signing keys file and the model folder. Each API process also runs
// the scheduler here (JOBS_ENABLED=true, the misconfiguration an operator could make), so three
// schedulers tick every job each second: the advisory lock per job must still keep one run at a
// time and each notification must go out once.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { Database } from '../../api/db/client.ts';
import { openSocket } from '../helpers/ws.ts';
import { demoAdminEmail, demoPassword } from '../../api/seed/demo.ts';
import { crashDatabase, startServer, type ServerProcess } from './process.ts';

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const fast = 'deliver-notifications=1s,release-reservations=1s,expire-passes=1s';

async function api(base: string, method: string, url: string, headers: Record<string, string>, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

describe.skipIf(!onPostgres)('two API processes and a jobs process on one PostgreSQL', { timeout: 420_000 }, () => {
  let db: { url: string; database: Database; drop(): Promise<void> };
  let a: ServerProcess;
  let b: ServerProcess;
  let jobs: ChildProcess;
  let jobsOut = '';
  let shared: string;
  let admin: Record<string, string>;
  let traderId = '';

  beforeAll(async () => {
    db = await crashDatabase();
    shared = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-scale-'));
    const env = {
      JWT_KEYS_FILE: path.join(shared, 'jwt-keys.json'),
      ML_MODELS_DIR: path.join(shared, 'ml_models'),
      JOBS_ENABLED: 'true',
      JOB_INTERVALS: fast,
    };
    // The first process seeds the demo data and writes the signing keys; the others find them.
    a = await startServer(db.url, { ...env, SEED_DEMO_DATA: 'true' });
    expect(await a.ready, a.output()).toBe(true);
    b = await startServer(db.url, env);
    expect(await b.ready, b.output()).toBe(true);
    jobs = spawn(process.execPath, ['--import', 'tsx', 'jobs/main.ts'], {
      env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: shared, NOTIFY_TRANSPORT: 'log', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    jobs.stdout!.on('data', (d) => (jobsOut += d));
    jobs.stderr!.on('data', (d) => (jobsOut += d));
    const until = Date.now() + 120_000;
    while (!jobsOut.includes('job scheduler started') && Date.now() < until && jobs.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(jobsOut).toContain('job scheduler started');
    // With demo data there is already an admin, so ADMIN_EMAIL makes none: sign in as the demo one.
    const login = await api(a.url, 'POST', '/api/auth/login', {}, { email: demoAdminEmail, password: demoPassword });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    admin = { authorization: `Bearer ${login.body.accessToken}` };
  });

  afterAll(async () => {
    if (jobs && jobs.exitCode === null) {
      const exited = new Promise((r) => jobs.once('exit', r));
      jobs.kill('SIGTERM');
      await exited;
    }
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    if (shared) fs.rmSync(shared, { recursive: true, force: true });
  });

  it('accepts on one process the tokens the other issued, and a join through one reaches subscribers on the other', async () => {
    const me = await api(b.url, 'GET', '/api/auth/me', admin);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.role).toBe('admin');

    const reg = await api(a.url, 'POST', '/api/auth/register', {}, { name: 'Rudo Scale', email: 'rudo.scale@example.co.zw', phone: '0771234599', password: 'rudo-scale-password-1', location: { market: 'Mbare Musika' } });
    expect(reg.status, JSON.stringify(reg.body)).toBe(201);
    traderId = reg.body.user.id;
    const trader = { authorization: `Bearer ${reg.body.accessToken}` };
    const open = await api(b.url, 'GET', '/api/groups?status=open&limit=5', trader);
    expect(open.status).toBe(200);
    const group = (open.body.items as { id: string }[])[0]!;

    // Admins may subscribe to any group; one socket on each process.
    const onB = await openSocket(b.url, admin.authorization!.slice('Bearer '.length));
    const onA = await openSocket(a.url, admin.authorization!.slice('Bearer '.length));
    try {
      expect((await onB.subscribe(`group:${group.id}`)).type).toBe('subscribed');
      expect((await onA.subscribe(`group:${group.id}`)).type).toBe('subscribed');
      const joined = await api(a.url, 'POST', `/api/groups/${group.id}/join`, trader, { quantity: 1 });
      expect(joined.status, JSON.stringify(joined.body)).toBe(201);
      const isProgress = (m: Record<string, any>) => m.type === 'event' && m.event?.type === 'group.progress' && m.event?.groupId === group.id;
      const [fromB, fromA] = await Promise.all([onB.next(isProgress, 15_000), onA.next(isProgress, 15_000)]);
      // The same row of domain_events, heard through NOTIFY by the process that did not make it.
      expect((fromB as any).event.id).toBe((fromA as any).event.id);
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  });

  it('serves on every process the model one of them trained, from the shared model folder', async () => {
    const started = await api(a.url, 'POST', '/api/admin/ml/train', admin, {});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const until = Date.now() + 240_000;
    let run = started.body;
    while (run.status !== 'succeeded' && run.status !== 'failed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      run = (await api(a.url, 'GET', `/api/admin/ml/runs/${started.body.id}`, admin)).body;
    }
    expect(run.status, run.error).toBe('succeeded');
    // B was not told: it finds the newly active model in the registry and loads its file.
    let recs = await api(b.url, 'GET', '/api/admin/ml/recommendations?limit=3', admin);
    for (let i = 0; i < 40 && recs.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 250));
      recs = await api(b.url, 'GET', '/api/admin/ml/recommendations?limit=3', admin);
    }
    expect(recs.status, JSON.stringify(recs.body)).not.toBe(503);
  });

  it('runs each scheduled job one at a time across three schedulers, and sends each notification once', async () => {
    // Welcome mail and SMS were queued by the registration above; three dispatchers tick every second.
    await new Promise((r) => setTimeout(r, 6_000));
    const runs = (await db.database.db.execute(sql`
      select name, started_at, finished_at from job_runs
      where outcome <> 'skipped' and trigger = 'schedule' and name in ('deliver-notifications', 'release-reservations', 'expire-passes')
      order by name, started_at`)) as unknown as { rows: { name: string; started_at: Date; finished_at: Date | null }[] };
    const rows = runs.rows;
    expect(rows.length).toBeGreaterThan(3);
    for (let i = 1; i < rows.length; i++) {
      const [prev, cur] = [rows[i - 1]!, rows[i]!];
      if (prev.name !== cur.name) continue;
      // The next run of a job starts only after the previous one finished, whichever process ran it.
      expect(prev.finished_at, `${cur.name} overlaps`).not.toBeNull();
      expect(new Date(cur.started_at).getTime()).toBeGreaterThanOrEqual(new Date(prev.finished_at!).getTime());
    }
    const sent = (await db.database.db.execute(sql`
      select status, attempts from notifications where user_id = ${traderId}`)) as unknown as { rows: { status: string; attempts: number }[] };
    expect(sent.rows.length).toBeGreaterThan(0);
    for (const n of sent.rows) expect(n).toEqual({ status: 'sent', attempts: 1 });
  });
});
