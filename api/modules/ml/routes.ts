import type { AppContext } from '../../context.ts';
import type { Handlers } from '../../openapi/bind.ts';
import { currentUser } from '../../plugins/auth.ts';
import { recordClick } from './events.ts';
import { experimentReport } from './experiments.ts';
import { modelHealth } from './health.ts';
import { activate, listModels, type ModelRow } from './model-store.ts';
import { parseOverrides } from './params.ts';
import { previewFor, recommendationsFor } from './serving.ts';
import { evaluate, getRun, runView, startTraining, type ActivationPolicy } from './training.ts';

type Id = { id: string };

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

export function mlHandlers(ctx: AppContext): Handlers {
  return {
    getRecommendations: async (req) => recommendationsFor(ctx, currentUser(req), (req.query as { limit: number }).limit, { log: true }),
    recordRecommendationClick: async (req, reply) => {
      await recordClick(ctx, currentUser(req), (req.params as Id).id);
      return reply.code(204).send();
    },
    previewRecommendations: async (req) => previewFor(ctx, req.query as { userId?: string; email?: string; limit: number }),
    trainModel: async (req, reply) => {
      const body = req.body as { activate?: ActivationPolicy; params?: unknown };
      const params = parseOverrides(body.params);
      const { run } = await startTraining(ctx, { trigger: 'manual', activate: body.activate ?? 'if_better', params, log: req.log });
      return reply.code(202).send(runView(run));
    },
    getTrainingRun: async (req) => runView(await getRun(ctx, (req.params as Id).id)),
    listModels: async () => ({ items: (await listModels(ctx)).map(modelView) }),
    activateModel: async (req) => modelView(await activate(ctx, (req.params as { version: string }).version)),
    evaluateModel: async (req) => {
      const body = req.body as { version?: string; k: number };
      return evaluate(ctx, body.version, body.k);
    },
    getModelHealth: async () => modelHealth(ctx),
    getExperimentReport: async () => experimentReport(ctx.db),
  };
}
