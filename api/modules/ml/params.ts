// Training parameters an admin (or the retrain job) may override, validated with bounds that keep a
// training run from taking the server's memory or hours of CPU, and merged over a base: the active
// model's parameters, so tuning carries over to retrains.

import { z } from 'zod';
import type { ResolvedTrainParams, TrainParams } from '../../../ml/index.ts';
import { badRequest } from '../../errors.ts';

const weight = z.number().min(0).max(100);
const days = z.number().positive().max(3650);

const overrides = z
  .object({
    seed: z.number().int().min(0).max(2 ** 31 - 1),
    tuneFusion: z.boolean(),
    interactionWeights: z.object({ paid: weight, join: weight, click: weight, view: weight }).partial().strict(),
    halfLifeDays: days,
    popularityHalfLifeDays: days,
    featureWeights: z.object({ categories: weight, market: weight, budget: weight, groupSizes: weight, frequency: weight }).partial().strict(),
    clustering: z
      .object({
        k: z.number().int().min(1).max(50),
        kMin: z.number().int().min(2).max(50),
        kMax: z.number().int().min(2).max(50),
        silhouetteSampleSize: z.number().int().min(50).max(5000),
        minSilhouette: z.number().min(-1).max(1),
        maxIterations: z.number().int().min(1).max(1000),
      })
      .partial()
      .strict(),
    nmf: z
      .object({
        rank: z.number().int().min(1).max(128),
        maxIterations: z.number().int().min(1).max(2000),
        tolerance: z.number().min(0).max(1),
        regularization: z.number().min(0).max(100),
        unobservedWeight: z.number().min(0).max(1),
        valueTransform: z.enum(['log1p', 'none']),
      })
      .partial()
      .strict(),
    tfidf: z
      .object({
        fieldWeights: z.object({ name: weight, description: weight, category: weight }).partial().strict(),
        minDf: z.number().int().min(1).max(1000),
      })
      .partial()
      .strict(),
    hybrid: z.object({ cf: weight, content: weight, itemKnn: weight, popularity: weight }).partial().strict(),
    coldStart: z
      .object({
        weights: z.object({ category: weight, neighbors: weight, cluster: weight, content: weight, popularity: weight }).partial().strict(),
        minInteractions: z.number().int().min(0).max(1000),
        neighbors: z.number().int().min(1).max(1000),
        newProductDays: days,
        newProductBonus: z.number().min(0).max(10),
        inactivityGraceDays: days,
        inactivityHalfLifeDays: days,
        inactivityShift: z.boolean(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();

export type ParamOverrides = z.infer<typeof overrides>;

/** Validates an override object; failures name the field (body.params.nmf.rank). */
export function parseOverrides(input: unknown, field = 'body.params'): ParamOverrides {
  const parsed = overrides.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? `.${issue.keys[0]}` : '';
    throw badRequest([field, ...issue.path.map(String)].join('.') + keys, issue.code === 'unrecognized_keys' ? 'is not a training parameter' : issue.message);
  }
  const p = parsed.data;
  if (p.clustering?.kMin !== undefined && p.clustering.kMax !== undefined && p.clustering.kMin > p.clustering.kMax) {
    throw badRequest(`${field}.clustering.kMin`, 'must not exceed kMax');
  }
  return p;
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlain(v) && isPlain(out[k]) ? deepMerge(out[k] as Plain, v) : v;
  }
  return out;
}

/**
 * A model's resolved parameters as parameters to train with again: without its version and its
 * evaluation settings (every run sets those), and with "k chosen by silhouette" as no k at all.
 */
export function reusableParams(resolved: ResolvedTrainParams | Record<string, unknown> | null | undefined): Plain {
  if (!resolved) return {};
  const { version: _v, evaluation: _e, ...rest } = resolved as Plain;
  const clustering = isPlain(rest.clustering) ? { ...rest.clustering } : undefined;
  if (clustering && (clustering.k === null || clustering.k === undefined)) delete clustering.k;
  return clustering ? { ...rest, clustering } : rest;
}

/** Base parameters, the overrides on top, and this run's version and hold-out. */
export function trainParams(base: Plain, over: ParamOverrides, run: { version: string; cutoff: number; k: number }): TrainParams {
  const merged = deepMerge(base, over as Plain);
  return { ...merged, version: run.version, evaluation: { cutoff: run.cutoff, k: run.k, maxTraders: 1000 } } as TrainParams;
}

/** Whether two parameter sets train the same model (ignoring version and evaluation settings). */
export function sameParams(a: Plain, b: Plain): boolean {
  return stableJson(reusableParams(a)) === stableJson(reusableParams(b));
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isPlain(v)) return `{${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
