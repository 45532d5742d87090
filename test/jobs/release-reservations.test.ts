import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { contributions, groups, notifications } from '../../api/db/schema.ts';
import { runJob } from '../../api/modules/jobs/run.ts';
import { testContext } from '../helpers/app.ts';
import { resetDatabase } from '../helpers/db.ts';
import { openGroup, reserve } from './fixtures.ts';

let ctx: AppContext;

beforeEach(async () => {
  ctx = await testContext();
  await resetDatabase(ctx.database);
});

describe('the release-reservations job', () => {
  it('lapses unpaid reservations past their time and gives their units back to the group', async () => {
    const { group, point } = await openGroup(ctx);
    const lapsed = await reserve(ctx, group.id, point.id, 3, new Date(Date.now() - 60_000));
    const current = await reserve(ctx, group.id, point.id, 2, new Date(Date.now() + 15 * 60_000));
    const [before] = await ctx.db.select().from(groups).where(eq(groups.id, group.id));
    expect(before!.reservedQuantity).toBe(5);

    const run = await runJob(ctx, 'release-reservations', 'manual');

    expect(run).toMatchObject({ outcome: 'succeeded', counts: { released: 1 } });
    const [after] = await ctx.db.select().from(groups).where(eq(groups.id, group.id));
    expect(after!.reservedQuantity).toBe(2);
    const [l] = await ctx.db.select().from(contributions).where(eq(contributions.id, lapsed.id));
    const [c] = await ctx.db.select().from(contributions).where(eq(contributions.id, current.id));
    expect(l!.status).toBe('lapsed');
    expect(c!.status).toBe('pending_payment');
    // The trader whose reservation lapsed is told by SMS.
    const queued = await ctx.db.select().from(notifications).where(eq(notifications.userId, lapsed.traderId));
    expect(queued).toMatchObject([{ template: 'reservation-released', channel: 'sms' }]);

    // A second run finds nothing more to release.
    expect(await runJob(ctx, 'release-reservations', 'manual')).toMatchObject({ outcome: 'succeeded', counts: { released: 0 } });
  });
});
