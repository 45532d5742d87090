// Process start and stop for the recommender. At start the active model is loaded (a file read:
// quick), or, when there is none, one is trained in the background: the server listens at once and
// answers recommendation requests with 503 until the first model is active.

import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { syncActiveModel } from './model-store.ts';
import { mlState } from './state.ts';
import { failInterruptedRuns, startTraining, stopTraining } from './training.ts';

export async function startMl(ctx: AppContext, log: FastifyBaseLogger): Promise<void> {
  const interrupted = await failInterruptedRuns(ctx);
  if (interrupted) log.warn({ runs: interrupted }, 'training runs interrupted by the last shutdown were marked failed');
  if (await syncActiveModel(ctx, log)) {
    log.info({ version: mlState(ctx).served!.version }, 'recommendation model loaded');
    return;
  }
  if (!ctx.config.ml.trainOnStart) {
    log.warn('no recommendation model is active and ML_TRAIN_ON_START=false: train one with POST /api/admin/ml/train');
    return;
  }
  // 'always': nothing is being served, so any model is better than none.
  const { run, done } = await startTraining(ctx, { trigger: 'startup', activate: 'always', log });
  log.info({ runId: run.id }, 'no recommendation model yet: training one in the background');
  void done;
}

/** On close: stop a training in progress (its worker) and record it as failed. */
export async function stopMl(ctx: AppContext): Promise<void> {
  mlState(ctx).closed = true;
  await stopTraining(ctx);
}
