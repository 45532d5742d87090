import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { jobNames, jobs } from '../../api/modules/jobs/registry.ts';
import { loadSpec } from '../../api/openapi/spec.ts';
import { freshApp } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { bearer, userWithRole, type Session } from '../helpers/users.ts';
import { gate } from './fixtures.ts';

describe('the job registry', () => {
  it("holds exactly the spec's JobName enum, in its order", () => {
    const schemas = (loadSpec().document.components as { schemas: Record<string, { enum?: string[] }> }).schemas;
    expect(jobNames).toEqual(schemas.JobName?.enum);
  });
});

// Through the app once the jobs operations are in openapi.yaml and jobHandlers is bound in
// api/app.ts (both land together: bindOperations refuses one without the other).
const wired = loadSpec().operations.some((op) => op.operationId === 'listJobs');

describe.runIf(wired)('the admin jobs API', () => {
  let app: FastifyInstance;
  let admin: Session;
  beforeAll(async () => {
    app = await freshApp({ NOTIFY_TRANSPORT: 'log' });
  });
  beforeEach(async () => {
    await resetDatabase(app.ctx.database);
    admin = await userWithRole(app, 'admin');
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => app.close());

  const list = () => app.inject({ url: '/api/admin/jobs', headers: bearer(admin.accessToken) });
  const run = (name: string, token = admin.accessToken) =>
    app.inject({ method: 'POST', url: `/api/admin/jobs/${name}/run`, headers: bearer(token) });

  it('lists every job with its description, interval and last run', async () => {
    const before = await list();
    expect(before.statusCode).toBe(200);
    expect(before.json().items.map((j: { name: string }) => j.name)).toEqual(jobNames);
    expect(before.json().items[0]).toEqual({
      name: 'release-reservations',
      description: jobs['release-reservations'].description,
      interval: '1m',
      lastRun: null,
    });

    const ran = (await run('expire-passes')).json();
    const after = (await list()).json().items.find((j: { name: string }) => j.name === 'expire-passes');
    expect(after.lastRun).toEqual(ran);
  });

  it('runs a job now and answers with the finished run', async () => {
    // registering the admin queued a welcome email and SMS
    const res = await run('deliver-notifications');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: expect.any(String),
      name: 'deliver-notifications',
      trigger: 'manual',
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      outcome: 'succeeded',
      counts: { sent: 2 },
      error: null,
    });
  });

  it('answers 200 with outcome failed and the error when the job fails', async () => {
    vi.spyOn(jobs['expire-groups'], 'run').mockRejectedValueOnce(new Error('provider unreachable'));
    const res = await run('expire-groups');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ outcome: 'failed', error: 'provider unreachable' });
  });

  it('answers 409 with the run under way when the job is already running', async () => {
    const hold = gate();
    const entered = gate();
    vi.spyOn(jobs['expire-passes'], 'run').mockImplementationOnce(async () => {
      entered.open();
      await hold.opened;
      return { expired: 0 };
    });
    const first = run('expire-passes');
    await entered.opened;
    const second = await run('expire-passes');
    hold.open();
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ status: 409, name: 'expire-passes', currentRun: { outcome: 'running', trigger: 'manual' } });
    expect((await first).json()).toMatchObject({ outcome: 'succeeded' });
  });

  it('refuses an unknown job (400) and anyone but an admin (403)', async () => {
    expect((await run('make-coffee')).statusCode).toBe(400);
    const staff = await userWithRole(app, 'staff');
    expect((await run('expire-passes', staff.accessToken)).statusCode).toBe(403);
    expect((await app.inject({ url: '/api/admin/jobs', headers: bearer(staff.accessToken) })).statusCode).toBe(403);
  });
});
