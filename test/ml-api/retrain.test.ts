import { randomUUID } from 'node:crypto';
import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyticsEvents, groups, mlModels, mlTrainingRuns, users } from '../../api/db/schema.ts';
import { activeModelRow } from '../../api/modules/ml/model-store.ts';
import { retrainIfNeeded } from '../../api/modules/ml/retrain.ts';
import { demoApp } from './helpers.ts';

let app: FastifyInstance;

beforeAll(async () => {
  app = await demoApp({ ML_RETRAIN_THRESHOLD: '5' });
});
afterAll(() => app.close());

/** n traders opening n group pages: interactions the active model has not seen. */
async function newViews(n: number) {
  const traders = await app.ctx.db.select({ id: users.id }).from(users).where(eq(users.role, 'trader')).limit(n);
  const open = await app.ctx.db.select({ id: groups.id, productId: groups.productId }).from(groups).where(eq(groups.status, 'open')).limit(n);
  await app.ctx.db.insert(analyticsEvents).values(
    traders.map((t, i) => ({ eventId: randomUUID(), source: 'server' as const, type: 'group_view', userId: t.id, groupId: open[i % open.length]!.id, productId: open[i % open.length]!.productId, occurredAt: new Date() })),
  );
}

const runs = () => app.ctx.db.select().from(mlTrainingRuns).orderBy(desc(mlTrainingRuns.startedAt));

// Hybrid = popularity: a model that ignores who the trader is (held fixed: tuning would move it).
const worse = {
  tuneFusion: false,
  hybrid: { cf: 0, content: 0, popularity: 1 },
  coldStart: { weights: { category: 0, neighbors: 0, cluster: 0, content: 0, popularity: 1 } },
};

describe('retrainIfNeeded (the retrain-model job)', () => {
  it('trains and activates a first model when there is none', async () => {
    const counts = await retrainIfNeeded(app.ctx);
    expect(counts).toMatchObject({ trained: 1, activated: 1, skipped: 0 });
    const [run] = await runs();
    expect(run).toMatchObject({ trigger: 'schedule', status: 'succeeded', activated: true });
    expect((await activeModelRow(app.ctx))?.version).toBe(run!.modelVersion);
  });

  it('does nothing while fewer new interactions than the threshold arrived', async () => {
    await newViews(4);
    const counts = await retrainIfNeeded(app.ctx);
    expect(counts).toEqual({ newInteractions: 4, trained: 0, activated: 0, skipped: 0 });
    expect(await runs()).toHaveLength(1);
  });

  it('trains once the threshold is crossed, and keeps the active model when the new one is worse on the same hold-out', async () => {
    const active = (await activeModelRow(app.ctx))!.version;
    await newViews(1);
    const counts = await retrainIfNeeded(app.ctx, undefined, { params: worse });
    expect(counts).toMatchObject({ newInteractions: 5, trained: 1, activated: 0 });
    const [run] = await runs();
    expect(run).toMatchObject({ status: 'succeeded', activated: false });
    const comparison = (run!.metrics as { comparison: { activate: boolean; against: string; cutoff: string; candidate: { hybrid: { ndcg: number } }; active: { hybrid: { ndcg: number } } } }).comparison;
    expect(comparison).toMatchObject({ activate: false, against: active });
    expect(comparison.candidate.hybrid.ndcg).toBeLessThan(comparison.active.hybrid.ndcg);
    // The worse model is kept as a version, not served.
    expect((await activeModelRow(app.ctx))!.version).toBe(active);
    const [saved] = await app.ctx.db.select().from(mlModels).where(eq(mlModels.version, run!.modelVersion!));
    expect(saved!.active).toBe(false);
  });

  it('retrains with the active parameters and activates the model that has seen the newer data', async () => {
    const before = (await activeModelRow(app.ctx))!.version;
    // Still due: the active model has not seen the new interactions.
    const counts = await retrainIfNeeded(app.ctx);
    expect(counts).toMatchObject({ trained: 1, activated: 1 });
    const after = (await activeModelRow(app.ctx))!;
    expect(after.version).not.toBe(before);
    expect((await retrainIfNeeded(app.ctx)).trained).toBe(0);
  });
});
