// Training parameters an admin (or the retrain job) may override, merged over a base: the active
// model's parameters, so tuning carries over to retrains. Their bounds (which keep a training run
// from taking the server's memory or hours of CPU) are in openapi.yaml (TrainParams), where the
// request validation applies them; only the rule between two fields is checked here.

import type { ResolvedTrainParams, TrainParams } from '../../../ml/index.ts';
import { badRequest } from '../../errors.ts';
import type { Schemas } from '../../openapi/contract.ts';

export type ParamOverrides = Schemas['TrainParams'];

/** Checks what the schema cannot say: kMin does not exceed kMax. Failures name the field. */
export function parseOverrides(input: ParamOverrides | undefined, field = 'body.params'): ParamOverrides {
  const p = input ?? {};
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
