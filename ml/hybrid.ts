// Hybrid fusion: per-component scores are min-max normalized per trader over the candidates, then
// combined with weights (0.6 CF, 0.3 content, 0.1 popularity by default).

import type { ComponentName, HybridWeights } from './types.ts';

export const DEFAULT_HYBRID_WEIGHTS: HybridWeights = { cf: 0.6, content: 0.3, itemKnn: 0, popularity: 0.1 };

export type ComponentValues = Partial<Record<ComponentName, ArrayLike<number>>>;
export type ComponentWeights = Partial<Record<ComponentName, number>>;

/**
 * Min-max normalizes values[candidates[i]] into out[i] in 0..1. A component that is constant over
 * the candidates carries no information for this trader and becomes all zeros.
 */
export function minMaxNormalize(values: ArrayLike<number>, candidates: readonly number[]): Float64Array {
  const out = new Float64Array(candidates.length);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const c of candidates) {
    const v = values[c] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min;
  if (!(span > 1e-12)) return out;
  for (let i = 0; i < candidates.length; i++) out[i] = ((values[candidates[i]!] ?? 0) - min) / span;
  return out;
}

/** Scales weights to sum to 1, dropping zero and negative ones. */
export function normalizeWeights(weights: ComponentWeights): ComponentWeights {
  let total = 0;
  for (const w of Object.values(weights)) if (w !== undefined && w > 0) total += w;
  const out: ComponentWeights = {};
  if (total === 0) return out;
  for (const [k, w] of Object.entries(weights) as [ComponentName, number | undefined][]) {
    if (w !== undefined && w > 0) out[k] = w / total;
  }
  return out;
}

export interface FusedCandidate {
  score: number;
  contributions: Partial<Record<ComponentName, number>>;
  signals: Partial<Record<ComponentName, number>>;
}

/** Fused scores of a candidate list, kept as arrays: serving reads every score but details few. */
export interface Fusion {
  /** score[i] = Σ weight × normalized value of candidates[i]. */
  scores: Float64Array;
  /** Each weighted component, min-max normalized over the candidates. */
  normalized: Map<ComponentName, Float64Array>;
  weights: ComponentWeights;
}

/** Normalizes each weighted component over the candidates and sums weight × normalized value. */
export function fuseScores(components: ComponentValues, weights: ComponentWeights, candidates: readonly number[]): Fusion {
  const normalized = new Map<ComponentName, Float64Array>();
  const scores = new Float64Array(candidates.length);
  for (const [name, values] of Object.entries(components) as [ComponentName, ArrayLike<number> | undefined][]) {
    const w = weights[name] ?? 0;
    if (!values || !(w > 0)) continue;
    const norm = minMaxNormalize(values, candidates);
    normalized.set(name, norm);
    for (let i = 0; i < norm.length; i++) scores[i]! += w * norm[i]!;
  }
  return { scores, normalized, weights };
}

/** One candidate's score with each component's contribution and normalized signal. */
export function fusedCandidate(fusion: Fusion, i: number): FusedCandidate {
  const contributions: Partial<Record<ComponentName, number>> = {};
  const signals: Partial<Record<ComponentName, number>> = {};
  for (const [name, norm] of fusion.normalized) {
    const signal = norm[i] ?? 0;
    signals[name] = signal;
    contributions[name] = (fusion.weights[name] ?? 0) * signal;
  }
  return { score: fusion.scores[i] ?? 0, contributions, signals };
}

/** fuseScores with every candidate's detail, in candidate order. */
export function fuse(components: ComponentValues, weights: ComponentWeights, candidates: readonly number[]): FusedCandidate[] {
  const fusion = fuseScores(components, weights, candidates);
  return candidates.map((_, i) => fusedCandidate(fusion, i));
}
