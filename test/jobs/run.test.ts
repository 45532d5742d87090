import { desc, eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { jobRuns, notifications } from '../../api/db/schema.ts';
import { jobs } from '../../api/modules/jobs/registry.ts';
import { lastRuns, runJob } from '../../api/modules/jobs/run.ts';
import { testContext } from '../helpers/app.ts';
import { onPostgres, resetDatabase } from '../helpers/db.ts';
import { gate, queueTwoNotifications, secondConnection } from './fixtures.ts';

let ctx: AppContext;

beforeEach(async () => {
  ctx = await testContext({ NOTIFY_TRANSPORT: 'log' });
  await resetDatabase(ctx.database);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const runsOf = (name: string) => ctx.db.select().from(jobRuns).where(eq(jobRuns.name, name)).orderBy(desc(jobRuns.startedAt));

describe('runJob', () => {
  it('records a run with what the job did: deliver-notifications sends the queued two', async () => {
    await queueTwoNotifications(ctx);

    const run = await runJob(ctx, 'deliver-notifications', 'manual');

    expect(run).toMatchObject({ name: 'deliver-notifications', trigger: 'manual', outcome: 'succeeded', counts: { sent: 2 }, error: null });
    expect(run.finishedAt).not.toBeNull();
    expect(Date.parse(run.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    const [row] = await runsOf('deliver-notifications');
    expect(row).toMatchObject({ id: run.id, outcome: 'succeeded', counts: { sent: 2 } });
    const sent = await ctx.db.select().from(notifications).where(eq(notifications.status, 'sent'));
    expect(sent).toHaveLength(2);
  });

  it('records a failing job as failed with its error, and frees the job for the next run', async () => {
    vi.spyOn(jobs['expire-passes'], 'run').mockRejectedValueOnce(new Error('pickup_passes is unreachable'));

    const failed = await runJob(ctx, 'expire-passes', 'schedule');
    expect(failed).toMatchObject({ outcome: 'failed', error: 'pickup_passes is unreachable', counts: {} });
    expect(failed.finishedAt).not.toBeNull();

    const next = await runJob(ctx, 'expire-passes', 'schedule');
    expect(next).toMatchObject({ outcome: 'succeeded', counts: { expired: 0 } });
  });

  it('never runs the same job twice at once: the second caller is skipped and recorded as such', async () => {
    const other = await secondConnection(ctx);
    const hold = gate();
    const entered = gate();
    // The first run is held in the middle of its work; any other run would finish at once.
    const spy = vi
      .spyOn(jobs['release-reservations'], 'run')
      .mockResolvedValue({ released: 0 })
      .mockImplementationOnce(async () => {
        entered.open();
        await hold.opened;
        return { released: 0 };
      });
    try {
      const first = runJob(ctx, 'release-reservations', 'schedule');
      await entered.opened;
      // Another process (on PostgreSQL: another connection, so another session) asks meanwhile.
      const second = await runJob(other.ctx, 'release-reservations', 'manual');
      expect(second).toMatchObject({ outcome: 'skipped', trigger: 'manual', counts: {}, error: null });
      hold.open();
      expect(await first).toMatchObject({ outcome: 'succeeded' });
      expect(spy).toHaveBeenCalledTimes(1);

      // The lock was released: the next caller, from either side, runs.
      expect(await runJob(other.ctx, 'release-reservations', 'manual')).toMatchObject({ outcome: 'succeeded' });
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      hold.open();
      await other.close();
    }
    const outcomes = (await runsOf('release-reservations')).map((r) => r.outcome).sort();
    expect(outcomes).toEqual(['skipped', 'succeeded', 'succeeded']);
  });

  it('lets different jobs run at the same time', async () => {
    const hold = gate();
    const entered = gate();
    vi.spyOn(jobs['expire-groups'], 'run').mockImplementation(async () => {
      entered.open();
      await hold.opened;
      return { expired: 0, refunded: 0, refundsFailed: 0 };
    });
    const first = runJob(ctx, 'expire-groups', 'schedule');
    await entered.opened;
    expect(await runJob(ctx, 'expire-passes', 'schedule')).toMatchObject({ outcome: 'succeeded' });
    hold.open();
    expect(await first).toMatchObject({ outcome: 'succeeded' });
  });

  it('marks a run left "running" by a process that stopped as interrupted', async () => {
    const [stale] = await ctx.db
      .insert(jobRuns)
      .values({ name: 'expire-passes', trigger: 'schedule', outcome: 'running', startedAt: new Date(Date.now() - 3_600_000) })
      .returning();

    await runJob(ctx, 'expire-passes', 'schedule');

    const [row] = await ctx.db.select().from(jobRuns).where(eq(jobRuns.id, stale!.id));
    expect(row).toMatchObject({ outcome: 'failed', error: expect.stringContaining('interrupted') });
    expect(row!.finishedAt).not.toBeNull();
  });

  it('prunes runs older than 30 days of the same job', async () => {
    const old = new Date(Date.now() - 31 * 86_400_000);
    await ctx.db.insert(jobRuns).values([
      { name: 'expire-passes', trigger: 'schedule', outcome: 'succeeded', startedAt: old, finishedAt: old },
      { name: 'expire-groups', trigger: 'schedule', outcome: 'succeeded', startedAt: old, finishedAt: old },
    ]);

    await runJob(ctx, 'expire-passes', 'schedule');

    expect((await runsOf('expire-passes')).map((r) => r.startedAt.getTime() > old.getTime())).toEqual([true]);
    expect(await runsOf('expire-groups')).toHaveLength(1);
  });
});

describe('lastRuns', () => {
  it("gives each job's latest run that did something, not a skipped attempt", async () => {
    const done = await runJob(ctx, 'expire-passes', 'manual');
    const later = new Date(Date.now() + 1000);
    await ctx.db.insert(jobRuns).values({ name: 'expire-passes', trigger: 'schedule', outcome: 'skipped', startedAt: later, finishedAt: later });

    const last = await lastRuns(ctx);

    expect(last.get('expire-passes')).toEqual(done);
    expect(last.has('expire-groups')).toBe(false);
  });
});

describe.runIf(onPostgres())('the advisory lock on PostgreSQL', () => {
  it('is held by a session of its own while the job runs and released afterwards', async () => {
    const hold = gate();
    const entered = gate();
    vi.spyOn(jobs['expire-passes'], 'run').mockImplementation(async () => {
      entered.open();
      await hold.opened;
      return { expired: 0 };
    });
    const locks = async () => {
      const r = await ctx.db.execute<{ n: number }>(sqlLocks);
      return Number((r as unknown as { rows: { n: number }[] }).rows[0]!.n);
    };
    const run = runJob(ctx, 'expire-passes', 'schedule');
    await entered.opened;
    expect(await locks()).toBe(1);
    hold.open();
    await run;
    expect(await locks()).toBe(0);
  });
});

// A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
const sqlLocks = sql`select count(*)::int as n from pg_locks
  where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())
    and objid = (hashtext('connectsphere:job:expire-passes')::bigint & 4294967295)::oid`;
