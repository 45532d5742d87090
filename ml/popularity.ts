// Recent popularity: per product, the kind-weighted sum of interactions, decayed by age.

import { decay, toMillis } from './time.ts';
import type { Interaction, InteractionWeights } from './types.ts';

export interface PopularityOptions {
  weights: InteractionWeights;
  /** Short half-life so that "popular" means popular lately. */
  halfLifeDays: number;
  now: number;
}

export function decayedPopularity(
  interactions: readonly Interaction[],
  productIndex: ReadonlyMap<string, number>,
  options: PopularityOptions,
): Float64Array {
  const out = new Float64Array(productIndex.size);
  for (const it of interactions) {
    const j = productIndex.get(it.productId);
    const weight = options.weights[it.kind];
    if (j === undefined || !(weight > 0)) continue;
    const at = toMillis(it.at);
    if (at > options.now) continue;
    out[j]! += weight * decay(options.now - at, options.halfLifeDays);
  }
  return out;
}
