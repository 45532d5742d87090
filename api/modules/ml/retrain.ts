// The 'retrain-model' job: trains when enough has happened since the active model's data (or it is
// too old, or there is none), activates the result only if it is at least as good on the same
// hold-out, and records the run like any other (trigger 'schedule').

import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import { HttpProblem } from '../../errors.ts';
import { modelHealth } from './health.ts';
import type { ParamOverrides } from './params.ts';
import { mlState } from './state.ts';
import { startTraining, type RunRow } from './training.ts';

export type Counts = Record<string, number>;

/**
 * Counts for the job's run: newInteractions (since the active model's data), trained, activated,
 * and skipped (1 when a training was already running). A failed training throws, so the job run
 * is recorded as failed with the reason.
 */
export async function retrainIfNeeded(
  ctx: AppContext,
  log?: FastifyBaseLogger,
  options: { params?: ParamOverrides; now?: Date } = {},
): Promise<Counts> {
  const health = await modelHealth(ctx);
  const counts: Counts = { newInteractions: health.interactionsSinceTraining, trained: 0, activated: 0, skipped: 0 };
  if (!health.due) return counts;
  if (mlState(ctx).training) return { ...counts, skipped: 1 };
  let done: Promise<RunRow>;
  try {
    ({ done } = await startTraining(ctx, {
      trigger: 'schedule',
      activate: 'if_better',
      ...(options.params ? { params: options.params } : {}),
      ...(log ? { log } : {}),
      ...(options.now ? { now: options.now } : {}),
    }));
  } catch (err) {
    if (err instanceof HttpProblem && err.status === 409) return { ...counts, skipped: 1 };
    throw err;
  }
  const run = await done;
  if (run.status !== 'succeeded') throw new Error(`retraining failed (run ${run.id}): ${run.error ?? 'unknown error'}`);
  return { ...counts, trained: 1, activated: run.activated ? 1 : 0 };
}
