// cs.jobs against a real server: admins list the scheduled jobs and run one; others may not.
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, ConnectSphere, type JobName, type RegisterRequest } from '@connectsphere/sdk';
import { users } from '../../api/db/schema.ts';
import { liveServer } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { traderInput } from '../helpers/users.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
beforeEach(async () => {
  await resetDatabase(app.ctx.database);
});
afterAll(async () => {
  await app.close();
});

async function signUp(role: 'trader' | 'admin') {
  const cs = new ConnectSphere({ baseUrl: url });
  const { user } = await cs.auth.register(traderInput() as RegisterRequest);
  if (role !== 'trader') await app.ctx.db.update(users).set({ role }).where(eq(users.id, user.id));
  return cs;
}

const names: JobName[] = ['release-reservations', 'expire-groups', 'reconcile-payments', 'settle-refunds', 'prune-idempotency-keys', 'expire-passes', 'deliver-notifications', 'retrain-model', 'backup-database', 'invoice-reminders', 'prune-domain-events', 'send-payouts', 'reconcile-payouts', 'deliver-webhooks', 'evaluate-alerts', 'analytics-etl'];

describe('jobs', () => {
  it('list returns every job with its interval; run returns the run, which then shows as the last run', async () => {
    const cs = await signUp('admin');
    const { items } = await cs.jobs.list();
    expect(items.map((j) => j.name).sort()).toEqual([...names].sort());
    for (const job of items) expect(job).toMatchObject({ description: expect.any(String), interval: expect.any(String) });

    const run = await cs.jobs.run('release-reservations');
    expect(run).toMatchObject({ name: 'release-reservations', trigger: 'manual', outcome: 'succeeded', error: null });
    expect(run.finishedAt).toEqual(expect.any(String));
    const after = (await cs.jobs.list()).items.find((j) => j.name === 'release-reservations');
    expect(after?.lastRun).toMatchObject({ id: run.id, outcome: 'succeeded' });
  });

  it('a trader gets ApiError 403; an unknown job name is a 400', async () => {
    const trader = await signUp('trader');
    const err = await rejection(trader.jobs.list());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    const admin = await signUp('admin');
    expect(await rejection(admin.jobs.run('defragment-the-moon' as JobName))).toMatchObject({ status: 400 });
  });
});
