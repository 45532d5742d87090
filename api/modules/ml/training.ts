// Training runs. The data is read on the main thread (async queries), the model is trained in a
// worker thread (ml's trainInWorker): a training never runs on the API's event loop, so requests
// keep being answered while it works. Progress goes to the run row as it arrives, throttled.
//
// "Better" is judged on one hold-out: the latest 20% of interactions by time (one cutoff for the
// whole run). The candidate's parameters and the active model's parameters are each trained on the
// interactions before the cutoff and ranked against the ones after it; the candidate wins on equal
// or higher hybrid NDCG@10. Comparing the active model file itself would be unfair: it was trained
// after part of the hold-out happened and would be graded on data it has seen. With identical
// parameters the two hold-out models are the same model (training is seeded and deterministic), so
// the baseline is not retrained and the tie goes to the new model, which has seen newer data.

import type { FastifyBaseLogger } from 'fastify';
import { and, eq, gt, inArray, lt } from 'drizzle-orm';
import { deserialize, resolveParams, trainInWorker, type EvaluationReport, type ProgressDetail, type PackedDataset, type SerializedModel, type TrainParams } from '../../../ml/index.ts';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { mlTrainingRuns } from '../../db/schema.ts';
import { traderBehaviourAsOf } from '../analytics/trader-features.ts';
import { HttpProblem, conflict, notFound } from '../../errors.ts';
import { recordEvent } from '../events/domain-events.ts';
import { buildDataset } from './dataset.ts';
import { activate, activeModelRow, getModelRow, newVersion, saveModel } from './model-store.ts';
import { reusableParams, sameParams, trainParams, type ParamOverrides } from './params.ts';
import { mlState } from './state.ts';

export type RunRow = typeof mlTrainingRuns.$inferSelect;
export type ActivationPolicy = 'if_better' | 'always' | 'never';
export type Trigger = RunRow['trigger'];

export interface TrainingOptions {
  trigger: Trigger;
  activate: ActivationPolicy;
  params?: ParamOverrides;
  log?: FastifyBaseLogger;
  /** The data's reference time (tests); now by default. */
  now?: Date;
}

/** Share of interactions held out, and the k of the ranking metrics that decide. */
const holdoutFraction = 0.2;
const decidingK = 10;
/** A run that takes longer has gone wrong; its worker is stopped. */
const trainingTimeoutMs = 30 * 60_000;

export function runView(r: RunRow) {
  return {
    id: r.id,
    status: r.status,
    trigger: r.trigger,
    stage: r.stage,
    progress: r.progress,
    metrics: r.metrics,
    modelVersion: r.modelVersion,
    activated: r.activated,
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export async function getRun(ctx: AppContext, id: string): Promise<RunRow> {
  const [row] = await ctx.db.select().from(mlTrainingRuns).where(eq(mlTrainingRuns.id, id));
  if (!row) throw notFound(`Training run ${id}`);
  return row;
}

/**
 * Starts a run and returns at once with its row; `done` settles (never rejects) with the final row.
 * One run per process: a second one while a run is going is a 409 naming the running one.
 */
export async function startTraining(ctx: AppContext, options: TrainingOptions): Promise<{ run: RunRow; done: Promise<RunRow> }> {
  const state = mlState(ctx);
  if (state.closed) throw new HttpProblem(503, 'shutting-down', 'Shutting down', 'The server is shutting down');
  if (state.training) throw conflict('A model is already being trained; follow that run', { runId: state.training.runId || null });
  // The slot is taken before the first await, so two requests cannot both start a run.
  const abort = new AbortController();
  let settle!: () => void;
  const handle = { runId: '', abort, done: new Promise<void>((resolve) => (settle = resolve)) };
  state.training = handle;
  let run: RunRow;
  try {
    [run] = (await ctx.db
      .insert(mlTrainingRuns)
      .values({ status: 'queued', trigger: options.trigger, activation: options.activate, params: options.params ?? {} })
      .returning()) as [RunRow];
  } catch (err) {
    state.training = null;
    settle();
    throw err;
  }
  handle.runId = run.id;
  const done = execute(ctx, run, options, abort.signal).finally(() => {
    state.training = null;
    settle();
  });
  return { run, done };
}

/** Writes stage and progress to the run row at most every 250 ms (and on each new stage), in order. */
class ProgressWriter {
  private chain: Promise<unknown> = Promise.resolve();
  private lastWrite = 0;
  private stage: string | null = null;
  private progress = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The NMF's loss after each iteration so far, shown while the run goes on (run.metrics.cf). */
  private readonly losses: number[] = [];

  constructor(
    private readonly ctx: AppContext,
    private readonly runId: string,
    private readonly log: FastifyBaseLogger | undefined,
  ) {}

  set(stage: string, progress: number, detail?: ProgressDetail) {
    if (stage === 'cf' && typeof detail?.loss === 'number' && typeof detail.iteration === 'number') this.losses[detail.iteration - 1] = detail.loss;
    const newStage = stage !== this.stage;
    this.stage = stage;
    this.progress = Math.max(this.progress, Math.min(1, progress));
    if (newStage || Date.now() - this.lastWrite >= 250) this.write();
    else this.timer ??= setTimeout(() => this.write(), 250);
  }

  private write() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastWrite = Date.now();
    const cf = this.losses.length > 0 ? { cf: { iterations: this.losses.length, loss: this.losses[this.losses.length - 1], lossHistory: [...this.losses] } } : {};
    const values = { status: 'running' as const, stage: this.stage, progress: this.progress, metrics: cf };
    this.chain = this.chain
      .then(() =>
        this.ctx.db.transaction(async (tx) => {
          await tx.update(mlTrainingRuns).set(values).where(eq(mlTrainingRuns.id, this.runId));
          // At most four a second (the throttle above), so the admin channel can draw a live bar.
          await recordEvent(tx, { type: 'ml.training', data: { runId: this.runId, status: 'running', stage: this.stage, progress: this.progress } });
        }),
      )
      .catch((err: unknown) => this.log?.warn({ err, runId: this.runId }, 'could not record training progress'));
  }

  /** The last word: waits for pending writes, then writes the final values. */
  async finish(values: Partial<typeof mlTrainingRuns.$inferInsert>): Promise<RunRow> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.chain;
    return this.ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .update(mlTrainingRuns)
        .set({ stage: this.stage, ...values, finishedAt: new Date() })
        .where(eq(mlTrainingRuns.id, this.runId))
        .returning();
      await recordEvent(tx, {
        type: 'ml.training',
        data: { runId: this.runId, status: row!.status, stage: row!.stage, progress: row!.progress, modelVersion: row!.modelVersion ?? null, error: row!.error ?? null },
      });
      return row!;
    });
  }
}

/** The time that splits the interactions before `before` into the earlier 80% and the latest 20%. */
function splitTime(sorted: Float64Array, before: number): number {
  let n = 0;
  while (n < sorted.length && sorted[n]! < before) n++;
  return n === 0 ? before : sorted[Math.min(n - 1, Math.floor((1 - holdoutFraction) * n))]!;
}

/**
 * The hold-out's test cut-off (the earlier 80% and the latest 20% of interactions) and the dataset
 * with the trader features (analytics/trader-features.ts) as of each time a model of this run learns
 * up to: the validation split that tunes the fusion weights (ml: the latest 20% before the test
 * cut-off), the test cut-off, and now. Each snapshot counts only events before its time, and ml
 * uses the latest one at or before its training data's end.
 */
async function withHoldout(db: Queryable, data: PackedDataset): Promise<{ dataset: PackedDataset; cutoff: number }> {
  const now = new Date(data.now).getTime();
  const sorted = data.interactions.at.slice().sort();
  const cutoff = sorted.length === 0 ? now : splitTime(sorted, Infinity);
  const times = [...new Set([splitTime(sorted, cutoff), cutoff, now])];
  const behaviour = [];
  // One after another: on PGlite each is a scan of the event store on this thread.
  for (const at of times) behaviour.push({ at, traders: await traderBehaviourAsOf(db, new Date(at - 1)) });
  return { dataset: { ...data, behaviour }, cutoff };
}


function keyMetrics(h: EvaluationReport | null) {
  if (!h) return null;
  return { k: h.k, hybrid: h.components.hybrid, popularity: h.components.popularity, tradersEvaluated: h.tradersEvaluated };
}

interface Comparison {
  activate: boolean;
  reason: string;
  against: string | null;
  cutoff: string;
  candidate: ReturnType<typeof keyMetrics>;
  active: ReturnType<typeof keyMetrics>;
}

function decide(candidate: EvaluationReport | null, active: EvaluationReport | null): { activate: boolean; reason: string } {
  if (!candidate && !active) return { activate: true, reason: 'too little data for a hold-out; the newer model wins' };
  if (!candidate) return { activate: false, reason: 'the new model could not be evaluated on the hold-out' };
  if (!active) return { activate: true, reason: 'the active model could not be evaluated on the hold-out' };
  const c = candidate.components.hybrid.ndcg;
  const a = active.components.hybrid.ndcg;
  return c >= a - 1e-12
    ? { activate: true, reason: `hybrid NDCG@${candidate.k} ${c.toFixed(4)} ≥ ${a.toFixed(4)} of the active model's parameters` }
    : { activate: false, reason: `hybrid NDCG@${candidate.k} ${c.toFixed(4)} < ${a.toFixed(4)} of the active model's parameters` };
}

async function execute(ctx: AppContext, run: RunRow, options: TrainingOptions, signal: AbortSignal): Promise<RunRow> {
  const log = options.log;
  const progress = new ProgressWriter(ctx, run.id, log);
  const started = performance.now();
  try {
    progress.set('features', 0);
    const now = options.now ?? new Date();
    const { dataset, cutoff } = await withHoldout(ctx.db, await buildDataset(ctx.db, { now, zwgPerUsd: ctx.config.payments.zwgPerUsd }));
    const datasetMs = performance.now() - started;
    const active = await activeModelRow(ctx);
    const base = reusableParams(active?.params);
    const version = newVersion(now);
    const params = trainParams(base, options.params ?? {}, { version, cutoff, k: decidingK });
    // Resolving also fails here, before a worker starts, if the merged parameters are unusable.
    const resolved = resolveParams(params) as unknown as Record<string, unknown>;
    const needsBaseline = options.activate === 'if_better' && active !== undefined && !sameParams(active.params, resolved);
    const span = needsBaseline ? 0.8 : 0.95;
    const workerOptions = { signal, timeoutMs: trainingTimeoutMs };

    const trainStarted = performance.now();
    const candidate = await trainInWorker(dataset, params, (stage, p, detail) => progress.set(stage, p * span, detail), workerOptions);
    const trainingMs = performance.now() - trainStarted;
    const candidateHoldout = candidate.meta.metrics.holdout;

    let comparison: Comparison | null = null;
    if (options.activate === 'if_better') {
      const common = { against: active?.version ?? null, cutoff: new Date(cutoff).toISOString(), candidate: keyMetrics(candidateHoldout) };
      if (!active) {
        comparison = { ...common, activate: true, reason: 'no model was active', active: null };
      } else if (!needsBaseline) {
        comparison = { ...common, activate: true, reason: 'same parameters as the active model, so the same hold-out metrics; the newer data wins', active: keyMetrics(candidateHoldout) };
      } else {
        progress.set('evaluation', span);
        const baselineParams = trainParams(base, {}, { version: `${version}-baseline`, cutoff, k: decidingK });
        const baseline = await trainInWorker(dataset, baselineParams, (_stage, p) => progress.set('evaluation', span + (0.95 - span) * p), workerOptions);
        const activeHoldout = baseline.meta.metrics.holdout;
        comparison = { ...common, ...decide(candidateHoldout, activeHoldout), active: keyMetrics(activeHoldout) };
      }
    }

    progress.set('saving', 0.95);
    const saved = await saveModel(ctx, candidate);
    await ctx.db.update(mlTrainingRuns).set({ modelVersion: saved.version }).where(eq(mlTrainingRuns.id, run.id));
    const shouldActivate = options.activate === 'always' || (options.activate === 'if_better' && comparison?.activate === true);
    if (shouldActivate) await activate(ctx, saved.version, deserialize(candidate));
    const metrics = runMetrics(candidate, comparison, { datasetMs, trainingMs, totalMs: performance.now() - started, interactions: dataset.interactions.at.length });
    const final = await progress.finish({ status: 'succeeded', progress: 1, modelVersion: saved.version, activated: shouldActivate, metrics });
    log?.info({ runId: run.id, version: saved.version, activated: shouldActivate, ms: Math.round(performance.now() - started), reason: comparison?.reason }, 'recommendation model trained');
    return final;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log?.error({ err, runId: run.id }, 'recommendation model training failed');
    return progress.finish({ status: 'failed', error: message }).catch(() => ({ ...run, status: 'failed' as const, error: message }));
  }
}

function runMetrics(s: SerializedModel, comparison: Comparison | null, timings: { datasetMs: number; trainingMs: number; totalMs: number; interactions: number }) {
  const m = s.meta.metrics;
  return {
    holdout: m.holdout,
    comparison,
    clustering: { k: m.clustering.k, silhouette: m.clustering.silhouette, search: m.clustering.search, skipped: m.clustering.skipped },
    cf: { iterations: m.cf.iterations, converged: m.cf.converged, tolerance: m.cf.tolerance, finalLoss: m.cf.finalLoss, lossHistory: m.cf.lossHistory },
    behaviour: m.behaviour,
    counts: s.meta.counts,
    interactions: timings.interactions,
    timingsMs: { dataset: Math.round(timings.datasetMs), training: Math.round(timings.trainingMs), total: Math.round(timings.totalMs), stages: m.timingsMs },
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Hold-out evaluation of a version on the current data: its parameters trained on the earlier 80%
 * of interactions, ranked against the latest 20% (in a worker, like training). The version's file
 * is not graded directly: it was trained on data that may include the hold-out.
 */
export async function evaluate(ctx: AppContext, version: string | undefined, k: number) {
  const row = version ? await getModelRow(ctx, version) : await activeModelRow(ctx);
  if (!row) throw notFound(version ? `Model version ${version}` : 'An active model');
  const state = mlState(ctx);
  if (state.evaluating) throw conflict('An evaluation is already running; try again when it is done');
  state.evaluating = true;
  try {
    const { dataset, cutoff } = await withHoldout(ctx.db, await buildDataset(ctx.db, { now: new Date(), zwgPerUsd: ctx.config.payments.zwgPerUsd }));
    const params: TrainParams = trainParams(reusableParams(row.params), {}, { version: `${row.version}-eval`, cutoff, k });
    const result = await trainInWorker(dataset, params, undefined, { timeoutMs: trainingTimeoutMs });
    const h = result.meta.metrics.holdout;
    return {
      version: row.version,
      k,
      metrics: h
        ? {
            hybrid: h.components.hybrid,
            cf: h.components.cf,
            content: h.components.content,
            itemKnn: h.components.itemKnn,
            popularity: h.components.popularity,
            liftOverPopularity: h.liftOverPopularity,
            holdout: { cutoff: h.cutoff, trainInteractions: h.trainInteractions, testInteractions: h.testInteractions, tradersEvaluated: h.tradersEvaluated, traders: h.traders },
            byPath: h.byPath,
            verdict: result.meta.metrics.fusion?.verdict ?? null,
          }
        : { note: 'Too little data to hold out: no trader has interactions on both sides of the cutoff.' },
    };
  } finally {
    state.evaluating = false;
  }
}

/** Stops a run in progress (shutdown) and waits until its row says so. */
export async function stopTraining(ctx: AppContext): Promise<void> {
  const t = mlState(ctx).training;
  if (!t) return;
  t.abort.abort();
  await t.done;
}

/**
 * At start: runs left 'queued' or 'running' by a process that stopped will never finish. With PGlite
 * only this process can have started them; on PostgreSQL another process may be training right now,
 * so only runs older than the training timeout are closed.
 */
export async function failInterruptedRuns(ctx: AppContext): Promise<number> {
  const cutoff = ctx.database.kind === 'pglite' ? new Date() : new Date(Date.now() - trainingTimeoutMs);
  const rows = await ctx.db
    .update(mlTrainingRuns)
    .set({ status: 'failed', error: 'interrupted: the process stopped before the run finished', finishedAt: new Date() })
    .where(and(inArray(mlTrainingRuns.status, ['queued', 'running']), lt(mlTrainingRuns.startedAt, cutoff)))
    .returning({ id: mlTrainingRuns.id });
  return rows.length;
}

/** Whether a run is going on in any process (one that is not stale). */
export async function trainingInProgress(ctx: AppContext): Promise<boolean> {
  if (mlState(ctx).training) return true;
  const [row] = await ctx.db
    .select({ id: mlTrainingRuns.id })
    .from(mlTrainingRuns)
    .where(and(inArray(mlTrainingRuns.status, ['queued', 'running']), gt(mlTrainingRuns.startedAt, new Date(Date.now() - trainingTimeoutMs))))
    .limit(1);
  return row !== undefined;
}
