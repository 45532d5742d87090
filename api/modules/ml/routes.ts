import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { recordClick } from './events.ts';
import { experimentReport } from './experiments.ts';
import { modelHealth } from './health.ts';
import { activate, listModels, type ModelRow } from './model-store.ts';
import { parseOverrides } from './params.ts';
import { previewFor, recommendationsFor } from './serving.ts';
import { evaluate, getRun, runView, startTraining } from './training.ts';

export function modelView(m: ModelRow) {
  return {
    version: m.version,
    trainedAt: m.trainedAt.toISOString(),
    dataWindow: {
      from: m.dataFrom?.toISOString() ?? null,
      to: m.dataTo.toISOString(),
      interactions: m.interactionCount,
      traders: m.traderCount,
      products: m.productCount,
    },
    params: m.params,
    metrics: m.metrics,
    active: m.active,
    activatedAt: m.activatedAt?.toISOString() ?? null,
  };
}

export function mlHandlers(ctx: AppContext) {
  return {
    getRecommendations: async (req) => recommendationsFor(ctx, currentUser(req), req.query.limit, { log: true }),
    recordRecommendationClick: async (req, reply) => {
      await recordClick(ctx, currentUser(req), req.params.id);
      return reply.code(204).send();
    },
    previewRecommendations: async (req) => previewFor(ctx, req.query),
    trainModel: async (req, reply) => {
      const body = req.body;
      const params = parseOverrides(body.params);
      const { run } = await startTraining(ctx, { trigger: 'manual', activate: body.activate ?? 'if_better', params, log: req.log });
      return reply.code(202).send(runView(run));
    },
    getTrainingRun: async (req) => runView(await getRun(ctx, req.params.id)),
    listModels: async () => ({ items: (await listModels(ctx)).map(modelView) }),
    activateModel: async (req) => modelView(await activate(ctx, req.params.version)),
    evaluateModel: async (req) => {
      const body = req.body;
      return evaluate(ctx, body.version, body.k);
    },
    getModelHealth: async () => modelHealth(ctx),
    getExperimentReport: async () => experimentReport(ctx.db),
  } satisfies SomeHandlers;
}
