// cs.ml against a real server on the Harare demo data (60 traders with a purchase history): an admin
// trains, follows the run, manages versions; a trader gets recommendations with reasons and acts on them.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, ConnectSphere, trainingStages, type RecommendationList, type TrainingRun } from '@connectsphere/sdk';
import { demoAdminEmail, demoPassword, seedDemoData } from '../../api/seed/demo.ts';
import { liveServer } from '../helpers/app.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
let admin: ConnectSphere;
let trader: ConnectSphere;
let traderEmail: string;
let traderId: string;

beforeAll(async () => {
  ({ app, url } = await liveServer());
  await seedDemoData(app.ctx.db, { traders: 60 });
  admin = new ConnectSphere({ baseUrl: url });
  await admin.auth.login({ email: demoAdminEmail, password: demoPassword });
  // A seeded trader, found the way an admin would: the user list.
  const { items } = await admin.admin.users.list({ role: 'trader', limit: 1 });
  traderEmail = items[0]!.email;
  traderId = items[0]!.id;
  trader = new ConnectSphere({ baseUrl: url });
  await trader.auth.login({ email: traderEmail, password: demoPassword });
});
afterAll(async () => {
  await app.close();
});

describe('cs.ml', () => {
  let first: TrainingRun;

  it('before any model: recommendations are ApiError 503 with a Retry-After, and health says no_model', async () => {
    const err = await rejection(trader.ml.recommendations());
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, retryAfterSeconds: 60 });
    expect(await admin.ml.health()).toMatchObject({ status: 'no_model', activeVersion: null, ageHours: null });
  });

  it('train returns the queued run; waitForRun reports every snapshot, through the stages with rising progress, to success', async () => {
    const started = await admin.ml.train({ activate: 'if_better' });
    expect(started).toMatchObject({ status: 'queued', trigger: 'manual', progress: 0, modelVersion: null, activated: false, finishedAt: null });

    const snapshots: TrainingRun[] = [];
    const run = await admin.ml.waitForRun(started.id, { intervalMs: 10, onProgress: (r) => snapshots.push(r) });

    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(snapshots.at(-1)).toEqual(run);
    expect(snapshots.slice(0, -1).every((r) => r.status === 'queued' || r.status === 'running')).toBe(true);
    const progress = snapshots.map((r) => r.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(run.progress).toBe(1);
    // The stages seen, in the pipeline's order; polling every 10 ms catches more than one of them.
    const stages = snapshots.map((r) => r.stage).filter((s, i, all): s is string => s !== null && s !== all[i - 1]);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const order = stages.map((s) => trainingStages.indexOf(s as (typeof trainingStages)[number]));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));

    expect(run).toMatchObject({ activated: true, error: null, modelVersion: expect.stringMatching(/^v\d{8}-\d{6}-[0-9a-f]{4}$/) });
    const metrics = run.metrics as { holdout: { k: number; components: Record<string, { ndcg: number }> }; clustering: { k: number; silhouette: number } };
    expect(metrics.holdout.k).toBe(10);
    expect(metrics.holdout.components.hybrid!.ndcg).toBeGreaterThan(metrics.holdout.components.popularity!.ndcg);
    expect(metrics.clustering.k).toBeGreaterThanOrEqual(2);
    expect(await admin.ml.run(run.id)).toEqual(run);
    first = run;
  });

  it('a second train while one runs is ApiError 409 naming the run; an unknown run is 404', async () => {
    const started = await admin.ml.train({ activate: 'never' });
    const busy = await rejection(admin.ml.train());
    expect(busy).toMatchObject({ status: 409 });
    expect((busy as ApiError).problem).toMatchObject({ runId: started.id });
    const done = await admin.ml.waitForRun(started.id, { intervalMs: 50 });
    expect(done).toMatchObject({ status: 'succeeded', activated: false });
    expect(await rejection(admin.ml.run('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
  });

  it('models, activate, health, evaluate', async () => {
    const { items } = await admin.ml.models();
    expect(items).toHaveLength(2);
    const [newer, older] = items;
    expect(older).toMatchObject({ version: first.modelVersion, active: true });
    expect(newer).toMatchObject({ active: false, activatedAt: null, dataWindow: { traders: 60, products: 30 } });
    expect(newer!.dataWindow.interactions).toBeGreaterThan(0);

    const activated = await admin.ml.activate(newer!.version);
    expect(activated).toMatchObject({ version: newer!.version, active: true });
    expect(Date.parse(activated.activatedAt!)).not.toBeNaN();
    expect((await admin.ml.models()).items.filter((m) => m.active).map((m) => m.version)).toEqual([newer!.version]);
    expect(await rejection(admin.ml.activate('v19990101-000000-dead'))).toMatchObject({ status: 404 });

    const health = await admin.ml.health();
    expect(health).toMatchObject({ status: 'ok', activeVersion: newer!.version, retrainThreshold: 200 });
    expect(health.ageHours).toBeGreaterThanOrEqual(0);
    expect(health.interactionsSinceTraining).toBeGreaterThanOrEqual(0);

    const evaluation = await admin.ml.evaluate({ k: 5 });
    expect(evaluation).toMatchObject({ version: newer!.version, k: 5 });
    for (const component of ['hybrid', 'cf', 'content', 'popularity']) {
      expect(evaluation.metrics[component], component).toEqual({
        precision: expect.any(Number),
        recall: expect.any(Number),
        ndcg: expect.any(Number),
        map: expect.any(Number),
        coverage: expect.any(Number),
      });
    }
    expect((await admin.ml.evaluate({ version: first.modelVersion! })).k).toBe(10);
    expect(await rejection(admin.ml.evaluate({ version: 'v19990101-000000-dead' }))).toMatchObject({ status: 404 });
  });

  it('a trader gets recommendations with reasons, clicks one and joins through it; the experiment report counts them', async () => {
    const preview = await admin.ml.preview({ email: traderEmail, limit: 5 });
    expect((await admin.ml.experiments()).variants.reduce((n, v) => n + v.shown, 0)).toBe(0); // a preview is not an impression
    expect((await admin.ml.preview({ userId: traderId, limit: 5 })).items.map((i) => i.group.id)).toEqual(preview.items.map((i) => i.group.id));

    const recs: RecommendationList = await trader.ml.recommendations({ limit: 5 });
    expect(recs.items.length).toBeGreaterThan(0);
    expect(recs.items.length).toBeLessThanOrEqual(5);
    expect(recs.modelVersion).toBe((await admin.ml.health()).activeVersion);
    expect(recs.variant).toBe(preview.variant);
    expect(recs.items.map((i) => i.group.id)).toEqual(preview.items.map((i) => i.group.id));
    recs.items.forEach((item, i) => {
      expect(item.rank).toBe(i + 1);
      expect(item.explanation.reasons.length, JSON.stringify(item.explanation)).toBeGreaterThan(0);
      expect(['personalised', 'cold_start', 'returning']).toContain(item.explanation.path);
      expect(item.group).toMatchObject({ status: 'open', myContribution: null });
    });

    const [top] = recs.items;
    expect(await trader.ml.click(top!.recommendationId)).toBeUndefined();
    expect(await rejection(trader.ml.click('00000000-0000-4000-8000-000000000000'))).toMatchObject({ status: 404 });
    // Someone else's recommendation is not the trader's to click.
    expect(await rejection(admin.ml.click(top!.recommendationId))).toMatchObject({ status: 404 });

    const joined = await trader.groups.join(top!.group.id, { quantity: top!.group.minPerTrader, recommendationId: top!.recommendationId });
    expect(joined.status).toBe('pending_payment');

    const report = await admin.ml.experiments();
    expect(report.variants.map((v) => v.name).sort()).toEqual(['A', 'B']);
    const mine = report.variants.find((v) => v.name === recs.variant)!;
    expect(mine).toMatchObject({ traders: 1, shown: recs.items.length, clicks: 1, joins: 1 });
    expect(mine.ctr).toBeCloseTo(1 / recs.items.length, 6);
    expect(mine.joinRate).toBeCloseTo(1 / recs.items.length, 6);

    // The joined group is no longer recommended; groups.list can sort by the recommendations.
    expect((await trader.ml.recommendations({ limit: 50 })).items.map((i) => i.group.id)).not.toContain(top!.group.id);
    const page = await trader.groups.list({ sort: 'recommended', limit: 3 });
    expect(page.items.length).toBeGreaterThan(0);
  });

  it('a trader may not train, preview or read the admin reports (ApiError 403); preview of an unknown email is 404', async () => {
    // Each call starts only when awaited: a rejection left pending would be unhandled.
    const calls = [() => trader.ml.train(), () => trader.ml.preview({ email: traderEmail }), () => trader.ml.health(), () => trader.ml.models(), () => trader.ml.experiments()];
    for (const call of calls) expect(await rejection(call())).toMatchObject({ status: 403 });
    expect(await rejection(admin.ml.preview({ email: 'nobody@example.co.zw' }))).toMatchObject({ status: 404 });
    expect(await rejection(admin.ml.preview({}))).toMatchObject({ status: 400 });
  });
});
