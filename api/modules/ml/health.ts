// How fresh the served model is: its age, and how much has happened since the data it learned from.
// The retrain job and GET /api/admin/ml/health read the same numbers.

import { and, gt, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { analyticsEvents, contributions, signalEventCondition } from '../../db/schema.ts';
import { activeModelRow } from './model-store.ts';
import { trainingInProgress } from './training.ts';

/**
 * Interactions the next training would see that the model has not: contributions made or paid
 * since, plus signal events since (the same sources as buildDataset).
 */
export async function interactionsAfter(db: Queryable, since: Date): Promise<number> {
  const [[c], [e]] = await Promise.all([
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(contributions)
      .where(sql`greatest(${contributions.createdAt}, coalesce(${contributions.paidAt}, ${contributions.createdAt})) > ${since.toISOString()}::timestamptz`),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(analyticsEvents)
      .where(and(gt(analyticsEvents.occurredAt, since), signalEventCondition)),
  ]);
  return (c?.n ?? 0) + (e?.n ?? 0);
}

export async function modelHealth(ctx: AppContext, now = new Date()) {
  const [active, training] = await Promise.all([activeModelRow(ctx), trainingInProgress(ctx)]);
  const { retrainThreshold, retrainMaxAgeHours } = ctx.config.ml;
  const since = active?.dataTo ?? new Date(0);
  const interactionsSinceTraining = await interactionsAfter(ctx.db, since);
  const ageHours = active ? (now.getTime() - active.trainedAt.getTime()) / 3_600_000 : null;
  const stale = active !== undefined && (interactionsSinceTraining >= retrainThreshold || (ageHours ?? 0) >= retrainMaxAgeHours);
  const status: 'ok' | 'stale' | 'no_model' | 'training' = training ? 'training' : !active ? 'no_model' : stale ? 'stale' : 'ok';
  return {
    status,
    activeVersion: active?.version ?? null,
    trainedAt: active?.trainedAt.toISOString() ?? null,
    ageHours: ageHours === null ? null : Math.round(ageHours * 100) / 100,
    metrics: active?.metrics ?? {},
    interactionsSinceTraining,
    retrainThreshold,
    /** Not in the response schema (dropped by the serializer); the retrain job reads it. */
    due: !active || stale,
  };
}
