// Hybrid fusion: per-component scores are min-max normalized per trader over the candidates, then
// combined with weights (0.6 CF, 0.3 content, 0.1 popularity by default).

import type { ComponentName, HybridWeights } from './types.ts';

export const DEFAULT_HYBRID_WEIGHTS: HybridWeights = { cf: 0.6, content: 0.3, popularity: 0.1 };

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
  candidates.forEach((c, i) => {
    out[i] = ((values[c] ?? 0) - min) / span;
  });
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

/**
 * Normalizes each component over the candidates and sums weight × normalized value. Returns one entry
 * per candidate, in candidate order, with each component's contribution and normalized signal.
 */
export function fuse(components: ComponentValues, weights: ComponentWeights, candidates: readonly number[]): FusedCandidate[] {
  const normalized = new Map<ComponentName, Float64Array>();
  for (const [name, values] of Object.entries(components) as [ComponentName, ArrayLike<number> | undefined][]) {
    if (values && (weights[name] ?? 0) > 0) normalized.set(name, minMaxNormalize(values, candidates));
  }
  return candidates.map((_, i) => {
    const contributions: Partial<Record<ComponentName, number>> = {};
    const signals: Partial<Record<ComponentName, number>> = {};
    let score = 0;
    for (const [name, norm] of normalized) {
      const signal = norm[i] ?? 0;
      const contribution = (weights[name] ?? 0) * signal;
      signals[name] = signal;
      contributions[name] = contribution;
      score += contribution;
    }
    return { score, contributions, signals };
  });
}
