// Model versions: one JSON file per version under ML_MODELS_DIR (the serialized model, its metadata
// included), one row per version in ml_models, and the single active version, which is also the
// one held in memory. activate() flips the row in one transaction and then swaps the in-memory
// reference; requests in flight finish with the model they started with.

import fs from 'node:fs/promises';
import path from 'node:path';
import { desc, eq, sql } from 'drizzle-orm';
import { deserialize, type SerializedModel, type TrainedModel } from '../../../ml/index.ts';
import type { AppContext } from '../../context.ts';
import { mlModels } from '../../db/schema.ts';
import { HttpProblem, notFound } from '../../errors.ts';
import { mlState, type ServedModel } from './state.ts';

export type ModelRow = typeof mlModels.$inferSelect;

/** Sortable, file-name safe and unique enough: v20260125-103105-3f2a. */
export function newVersion(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `v${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}

function fileFor(ctx: AppContext, version: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(version) || version.startsWith('.')) throw new Error(`unsafe model version "${version}"`);
  return path.join(ctx.config.ml.modelsDir, `${version}.json`);
}

/** Writes the model file (atomically: a reader never sees half a file) and registers the version. */
export async function saveModel(ctx: AppContext, serialized: SerializedModel): Promise<ModelRow> {
  const meta = serialized.meta;
  const file = fileFor(ctx, meta.version);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(serialized));
  await fs.rename(tmp, file);
  const [row] = await ctx.db
    .insert(mlModels)
    .values({
      version: meta.version,
      trainedAt: new Date(meta.trainedAt),
      dataFrom: meta.dataWindow.from ? new Date(meta.dataWindow.from) : null,
      dataTo: new Date(meta.dataWindow.to),
      interactionCount: meta.dataWindow.interactionsUsed,
      traderCount: meta.counts.traders,
      productCount: meta.counts.products,
      params: meta.parameters as unknown as Record<string, unknown>,
      metrics: summarizeMetrics(serialized),
      filePath: file,
    })
    .returning();
  return row!;
}

/** What the registry keeps of a model's metrics: hold-out results and fit (with the NMF's loss per iteration). */
function summarizeMetrics(s: SerializedModel): Record<string, unknown> {
  const m = s.meta.metrics;
  return {
    holdout: m.holdout,
    clustering: { k: m.clustering.k, silhouette: m.clustering.silhouette, sizes: m.clustering.sizes, search: m.clustering.search, skipped: m.clustering.skipped },
    cf: { rank: m.cf.rank, iterations: m.cf.iterations, converged: m.cf.converged, tolerance: m.cf.tolerance, finalLoss: m.cf.finalLoss, lossHistory: m.cf.lossHistory },
    nonzeros: s.meta.counts.nonzeros,
    timingsMs: m.timingsMs,
  };
}

export async function loadModelFile(file: string): Promise<TrainedModel> {
  return deserialize(JSON.parse(await fs.readFile(file, 'utf8')) as unknown);
}

export async function listModels(ctx: AppContext): Promise<ModelRow[]> {
  return ctx.db.select().from(mlModels).orderBy(desc(mlModels.trainedAt), desc(mlModels.version));
}

export async function getModelRow(ctx: AppContext, version: string): Promise<ModelRow | undefined> {
  const [row] = await ctx.db.select().from(mlModels).where(eq(mlModels.version, version));
  return row;
}

export async function activeModelRow(ctx: AppContext): Promise<ModelRow | undefined> {
  const [row] = await ctx.db.select().from(mlModels).where(eq(mlModels.active, true));
  return row;
}

function serve(ctx: AppContext, row: ModelRow, model: TrainedModel) {
  const served: ServedModel = { version: row.version, model, trainedAt: row.trainedAt };
  const state = mlState(ctx);
  state.served = served; // the hot swap: one reference
  state.generation += 1;
  state.lastSync = Date.now();
}

/**
 * Makes `version` the served model, in this process at once and in others at their next sync. The
 * model is loaded before anything changes, so a missing or corrupt file leaves the current model
 * serving. `preloaded` skips reading the file when the caller has the model in hand (after training).
 */
export async function activate(ctx: AppContext, version: string, preloaded?: TrainedModel): Promise<ModelRow> {
  const row = await getModelRow(ctx, version);
  if (!row) throw notFound(`Model version ${version}`);
  let model = preloaded;
  if (!model) {
    try {
      model = await loadModelFile(row.filePath);
    } catch (err) {
      throw new HttpProblem(409, 'model-file', 'Model file unavailable', `Model ${version} cannot be loaded from ${path.basename(row.filePath)}: ${(err as Error).message}`);
    }
  }
  const activated = await ctx.db.transaction(async (tx) => {
    // Activations queue on this lock, so two of them at once cannot both find "no active row" and
    // collide on the unique index. Plain reads are not blocked.
    await tx.execute(sql`lock table ${mlModels} in exclusive mode`);
    await tx.update(mlModels).set({ active: false }).where(eq(mlModels.active, true));
    const [updated] = await tx.update(mlModels).set({ active: true, activatedAt: new Date() }).where(eq(mlModels.version, version)).returning();
    return updated!;
  });
  serve(ctx, activated, model);
  return activated;
}

/**
 * Brings the served model in line with the active row (at start, and now and then, since another
 * process, such as the jobs runner on PostgreSQL, may have activated a newer one). Returns false when
 * there is no active model or its file cannot be read; the current model, if any, keeps serving.
 */
export async function syncActiveModel(ctx: AppContext, log?: { error(o: object, m: string): void }): Promise<boolean> {
  const state = mlState(ctx);
  const generation = state.generation;
  const row = await activeModelRow(ctx);
  state.lastSync = Date.now();
  if (!row) return false;
  if (state.served?.version === row.version) return true;
  try {
    const model = await loadModelFile(row.filePath);
    // An activation in this process while the file loaded is newer than what this read saw.
    if (state.generation === generation) serve(ctx, row, model);
    return true;
  } catch (err) {
    log?.error({ err, version: row.version, file: row.filePath }, 'could not load the active recommendation model');
    return false;
  }
}

/** How often a serving process checks whether another process activated a different model. */
const syncEveryMs = 15_000;

/**
 * The model to serve this request with. Never waits on the database when a model is loaded: the
 * periodic check runs in the background. Without one, it looks (at most once a second).
 */
export async function servedModel(ctx: AppContext): Promise<ServedModel | null> {
  const state = mlState(ctx);
  const age = Date.now() - state.lastSync;
  if (state.served) {
    if (age > syncEveryMs && !state.syncing) {
      state.syncing = syncActiveModel(ctx)
        .catch(() => false)
        .then(() => void (state.syncing = null));
    }
    return state.served;
  }
  if (age > 1000) {
    state.syncing ??= syncActiveModel(ctx)
      .catch(() => false)
      .then(() => void (state.syncing = null));
    await state.syncing;
  }
  return state.served;
}
