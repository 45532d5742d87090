import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type Session } from '../helpers/users.ts';
import { demoAdmin, demoApp, recommendations, train, traderWithHistory, waitForRun, type RunView } from './helpers.ts';

let app: FastifyInstance;
let admin: Session;
let trader: Session;

beforeAll(async () => {
  app = await demoApp();
  admin = await demoAdmin(app);
  trader = await traderWithHistory(app);
});
afterAll(() => app.close());

const stageOrder = ['features', 'clustering', 'cf', 'content', 'popularity', 'evaluation', 'saving'];

describe('before any model exists', () => {
  it('answers recommendations with 503 and a Retry-After, and lists groups in the default order', async () => {
    const res = await app.inject({ url: '/api/ml/recommendations', headers: bearer(trader.accessToken) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.json()).toMatchObject({ status: 503, type: 'https://connectsphere.dev/problems/model-unavailable' });

    const recommended = (await app.inject({ url: '/api/groups?sort=recommended&limit=100', headers: bearer(trader.accessToken) })).json();
    const byDeadline = (await app.inject({ url: '/api/groups?limit=100', headers: bearer(trader.accessToken) })).json();
    expect(recommended.items.map((g: { id: string }) => g.id)).toEqual(byDeadline.items.map((g: { id: string }) => g.id));

    const health = (await app.inject({ url: '/api/admin/ml/health', headers: bearer(admin.accessToken) })).json();
    expect(health).toMatchObject({ status: 'no_model', activeVersion: null, trainedAt: null, ageHours: null, retrainThreshold: 200 });
    expect(health.interactionsSinceTraining).toBeGreaterThan(0);
  });
});

describe('training', () => {
  let first: RunView;

  it('runs in a worker: the API keeps answering while the run goes through its stages to success', async () => {
    const start = await app.inject({ method: 'POST', url: '/api/admin/ml/train', headers: bearer(admin.accessToken), payload: { activate: 'if_better' } });
    expect(start.statusCode, start.body).toBe(202);
    const created = start.json() as RunView;
    expect(created).toMatchObject({ status: 'queued', trigger: 'manual', progress: 0, modelVersion: null, activated: false, finishedAt: null });

    // One training per process.
    const second = await app.inject({ method: 'POST', url: '/api/admin/ml/train', headers: bearer(admin.accessToken), payload: {} });
    expect(second.statusCode).toBe(409);
    expect(second.json().runId).toBe(created.id);

    // Requests made while the run is in progress are answered, and quickly.
    const answeredDuringRun: number[] = [];
    let stillRunning = true;
    const probe = (async () => {
      while (stillRunning) {
        const t0 = performance.now();
        const [health, groups] = await Promise.all([
          app.inject({ url: '/health' }),
          app.inject({ url: '/api/groups?limit=5', headers: bearer(trader.accessToken) }),
        ]);
        const ms = performance.now() - t0;
        expect(health.statusCode).toBe(200);
        expect(groups.statusCode).toBe(200);
        const run = (await app.inject({ url: `/api/admin/ml/runs/${created.id}`, headers: bearer(admin.accessToken) })).json() as RunView;
        if (run.status === 'queued' || run.status === 'running') answeredDuringRun.push(ms);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const { run, stages, progress } = await waitForRun(app, admin, created.id);
    stillRunning = false;
    await probe;

    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(answeredDuringRun.length).toBeGreaterThan(3);
    expect(Math.max(...answeredDuringRun)).toBeLessThan(500);
    // Stages seen in the pipeline's order, progress never going back, ending at 1.
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(stages.map((s) => stageOrder.indexOf(s))).toEqual([...stages.map((s) => stageOrder.indexOf(s))].sort((a, b) => a - b));
    expect(stages.every((s) => stageOrder.includes(s))).toBe(true);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(run.progress).toBe(1);
    expect(run.finishedAt).not.toBeNull();
    expect(run.modelVersion).toMatch(/^v\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(run.activated).toBe(true);
    expect(run.metrics.holdout.components.hybrid.ndcg).toBeGreaterThan(run.metrics.holdout.components.popularity.ndcg);
    expect(run.metrics.comparison).toMatchObject({ activate: true, against: null });
    expect(run.metrics.timingsMs.training).toBeGreaterThan(0);
    // The trader features of the analytics ETL, as of now for the model served and as of the
    // hold-out's cut-off for the model graded on it (nothing from after the cut-off leaks in).
    expect(run.metrics.behaviour.traders).toBeGreaterThan(10);
    expect(Date.parse(run.metrics.behaviour.asOf)).toBeGreaterThan(Date.parse(run.metrics.comparison.cutoff));
    expect(run.metrics.behaviour.holdoutAsOf).toBe(run.metrics.comparison.cutoff);
    first = run;
  });

  it('lists the model versions, newest first, with the active one marked', async () => {
    const list = (await app.inject({ url: '/api/admin/ml/models', headers: bearer(admin.accessToken) })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ version: first.modelVersion, active: true, dataWindow: { traders: 60, products: 30 } });
    expect(list.items[0].dataWindow.interactions).toBeGreaterThan(0);
    expect(list.items[0].metrics.holdout.components.hybrid).toBeDefined();
    expect(list.items[0].params.nmf.rank).toBe(16);
    expect(Date.parse(list.items[0].activatedAt)).not.toBeNaN();
  });

  it('serves the new model, and swaps to another version on activation without a restart or a failed request', async () => {
    expect((await recommendations(app, trader)).modelVersion).toBe(first.modelVersion);
    // A second model, different parameters, activated regardless of its hold-out score.
    const second = await train(app, admin, { activate: 'always', params: { nmf: { rank: 8 } } });
    expect(second.activated).toBe(true);
    expect((await recommendations(app, trader)).modelVersion).toBe(second.modelVersion);
    const models = (await app.inject({ url: '/api/admin/ml/models', headers: bearer(admin.accessToken) })).json().items;
    expect(models.map((m: { version: string }) => m.version)).toEqual([second.modelVersion, first.modelVersion]);
    expect(models[0].params.nmf.rank).toBe(8);

    // Back to the first version while requests are in flight: every one is answered.
    const inFlight = Array.from({ length: 20 }, () => app.inject({ url: '/api/ml/recommendations?limit=3', headers: bearer(trader.accessToken) }));
    const activated = await app.inject({ method: 'POST', url: `/api/admin/ml/models/${first.modelVersion}/activate`, headers: bearer(admin.accessToken) });
    expect(activated.statusCode, activated.body).toBe(200);
    expect(activated.json()).toMatchObject({ version: first.modelVersion, active: true });
    const answers = await Promise.all(inFlight);
    for (const a of answers) {
      expect(a.statusCode).toBe(200);
      expect([first.modelVersion, second.modelVersion]).toContain(a.json().modelVersion);
    }
    expect((await recommendations(app, trader)).modelVersion).toBe(first.modelVersion);
    const after = (await app.inject({ url: '/api/admin/ml/models', headers: bearer(admin.accessToken) })).json().items;
    expect(after.filter((m: { active: boolean }) => m.active).map((m: { version: string }) => m.version)).toEqual([first.modelVersion]);

    const unknown = await app.inject({ method: 'POST', url: '/api/admin/ml/models/v00000000-000000-0000/activate', headers: bearer(admin.accessToken) });
    expect(unknown.statusCode).toBe(404);
  });

  it('refuses parameters it does not know or that are out of bounds, naming the field', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/admin/ml/train', headers: bearer(admin.accessToken), payload: { params: { nmf: { rank: 100000 } } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.params.nmf.rank');
    const unknown = await app.inject({ method: 'POST', url: '/api/admin/ml/train', headers: bearer(admin.accessToken), payload: { params: { learningRate: 1 } } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toBe('body.params.learningRate');
    const missing = await app.inject({ url: '/api/admin/ml/runs/00000000-0000-4000-8000-000000000000', headers: bearer(admin.accessToken) });
    expect(missing.statusCode).toBe(404);
  });
});

describe('evaluation and health', () => {
  it('evaluates the active version on a hold-out of the current data: hybrid next to popularity', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/admin/ml/evaluate', headers: bearer(admin.accessToken), payload: { k: 5 } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const active = (await app.inject({ url: '/api/admin/ml/health', headers: bearer(admin.accessToken) })).json().activeVersion;
    expect(body).toMatchObject({ version: active, k: 5 });
    for (const component of ['hybrid', 'popularity', 'cf', 'content']) {
      for (const metric of ['precision', 'recall', 'ndcg', 'map', 'coverage']) expect(typeof body.metrics[component][metric]).toBe('number');
    }
    expect(body.metrics.hybrid.ndcg).toBeGreaterThan(body.metrics.popularity.ndcg);
    expect(body.metrics.holdout.tradersEvaluated).toBeGreaterThan(0);

    const unknown = await app.inject({ method: 'POST', url: '/api/admin/ml/evaluate', headers: bearer(admin.accessToken), payload: { version: 'nope' } });
    expect(unknown.statusCode).toBe(404);
  });

  it('reports the active model as fresh, and counts what happened since', async () => {
    const health = (await app.inject({ url: '/api/admin/ml/health', headers: bearer(admin.accessToken) })).json();
    expect(health).toMatchObject({ status: 'ok', interactionsSinceTraining: 0, retrainThreshold: 200 });
    expect(health.ageHours).toBeLessThan(1);
    expect(health.metrics.holdout).toBeDefined();
    // The NMF's fit: converged under the rule between iterations, with the loss after each one.
    const cf = health.metrics.cf;
    expect(cf).toMatchObject({ converged: true, tolerance: 1e-4 });
    expect(cf.lossHistory).toHaveLength(cf.iterations + 1);
    for (let t = 1; t < cf.lossHistory.length; t++) expect(cf.lossHistory[t]).toBeLessThan(cf.lossHistory[t - 1]);
    const [last, before] = [cf.lossHistory.at(-1), cf.lossHistory.at(-2)];
    expect((before - last) / before).toBeLessThan(1e-4);
    // A trader opening a group page is an interaction the model has not seen.
    const group = (await recommendations(app, trader, 1)).items[0]!.group;
    await app.inject({ url: `/api/groups/${group.id}`, headers: bearer(trader.accessToken) });
    const later = (await app.inject({ url: '/api/admin/ml/health', headers: bearer(admin.accessToken) })).json();
    expect(later.interactionsSinceTraining).toBe(1);
  });
});
