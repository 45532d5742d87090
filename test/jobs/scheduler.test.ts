import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { jobRuns, notifications } from '../../api/db/schema.ts';
import { jobs } from '../../api/modules/jobs/registry.ts';
import { silentLogger } from '../../api/modules/jobs/run.ts';
import { startScheduler, type Scheduler } from '../../api/modules/jobs/scheduler.ts';
import { testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { queueTwoNotifications, until } from './fixtures.ts';

let ctx: AppContext;
let scheduler: Scheduler | undefined;

beforeEach(async () => {
  ctx = await testContext({ NOTIFY_TRANSPORT: 'log' });
  await resetDatabase(ctx.database);
});

afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  vi.restoreAllMocks();
});

const runs = (name: string) => ctx.db.select().from(jobRuns).where(eq(jobRuns.name, name));

describe('the Bree scheduler', () => {
  it('runs a job on its interval in a worker-triggered run, records it, and stops without leaving workers', async () => {
    await queueTwoNotifications(ctx);
    scheduler = await startScheduler(ctx, silentLogger, {
      only: ['deliver-notifications'],
      intervals: { 'deliver-notifications': '1s' },
    });
    // Nothing at start-up: the first run comes one interval later.
    expect(await runs('deliver-notifications')).toHaveLength(0);

    await until(async () => (await runs('deliver-notifications')).some((r) => r.outcome === 'succeeded'));

    const [first] = (await runs('deliver-notifications')).filter((r) => r.outcome === 'succeeded');
    expect(first).toMatchObject({ trigger: 'schedule', counts: { sent: 2 }, error: null });
    expect(await ctx.db.select().from(notifications).where(eq(notifications.status, 'sent'))).toHaveLength(2);

    await scheduler.stop();
    expect(scheduler.running()).toEqual([]);
    const after = (await runs('deliver-notifications')).length;
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await runs('deliver-notifications')).toHaveLength(after);
  });

  it('stop() waits for a run in flight, which finishes and is recorded', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    vi.spyOn(jobs['expire-passes'], 'run').mockImplementation(async () => {
      await held;
      return { expired: 0 };
    });
    scheduler = await startScheduler(ctx, silentLogger, { only: ['expire-passes'], intervals: { 'expire-passes': '1s' } });
    await until(async () => (await runs('expire-passes')).some((r) => r.outcome === 'running'));
    expect(scheduler.running()).toEqual(['expire-passes']);

    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false);
    release();
    await stopping;

    expect(scheduler.running()).toEqual([]);
    expect((await runs('expire-passes')).map((r) => r.outcome)).toEqual(['succeeded']);
  });

  it('does not start a job again in this process while its previous run is still going', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const spy = vi.spyOn(jobs['expire-passes'], 'run').mockImplementation(async () => {
      await held;
      return { expired: 0 };
    });
    scheduler = await startScheduler(ctx, silentLogger, { only: ['expire-passes'], intervals: { 'expire-passes': 300 } });
    await until(async () => spy.mock.calls.length === 1);
    // Several ticks pass while the first run is held.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(spy).toHaveBeenCalledTimes(1);
    release();
    await until(async () => spy.mock.calls.length >= 2);
    await scheduler.stop();
    expect((await runs('expire-passes')).every((r) => r.outcome === 'succeeded')).toBe(true);
  });
});
