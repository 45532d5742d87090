// Feature engineering: the sparse trader × product interaction matrix and trader preference vectors.

import type { CsrMatrix } from './sparse.ts';
import { decay, toMillis } from './time.ts';
import type { BehaviourSnapshot, FeatureBlockWeights, Interaction, InteractionKind, InteractionWeights, Trader, TraderBehaviour, TraderProfile } from './types.ts';

export const DEFAULT_INTERACTION_WEIGHTS: InteractionWeights = { paid: 5, join: 3, click: 1.5, view: 0.5 };
export const DEFAULT_FEATURE_WEIGHTS: FeatureBlockWeights = {
  categories: 1,
  market: 1,
  budget: 0.5,
  groupSizes: 0.5,
  frequency: 0.5,
  behaviour: 0.5,
};

/** Kinds that mean the trader put money or a commitment behind the product. */
export const COMMITMENT_KINDS: ReadonlySet<InteractionKind> = new Set(['paid', 'join']);

export function buildIndex(ids: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (index.has(id)) throw new Error(`duplicate id: ${id}`);
    index.set(id, i);
  });
  return index;
}

export interface InteractionMatrixOptions {
  weights: InteractionWeights;
  halfLifeDays: number;
  /** Epoch ms; interactions after it are ignored, decay is measured from it. */
  now: number;
}

export interface InteractionMatrices {
  /** Σ kind weight × log2(1 + quantity) × 0.5^(age / half-life) per (trader, product). */
  matrix: CsrMatrix;
  /** Products each trader joined or paid for; the value is the trader's median quantity (0 = unknown). */
  joined: CsrMatrix;
  /** Last interaction per trader (epoch ms), NaN when none. */
  lastActiveAt: Float64Array;
  /** Earliest interaction used (epoch ms), NaN when none. */
  firstAt: number;
  used: number;
  ignored: number;
}

/**
 * Builds the decayed, kind-weighted interaction matrix. One pass validates and weighs each interaction
 * into flat typed arrays, a counting sort groups them by trader, and each trader's entries are sorted
 * by product and merged into CSR rows: memory stays O(interactions + nonzeros), nothing is dense.
 */
export function buildInteractionMatrices(
  interactions: readonly Interaction[],
  traderIndex: ReadonlyMap<string, number>,
  productIndex: ReadonlyMap<string, number>,
  options: InteractionMatrixOptions,
): InteractionMatrices {
  const rows = traderIndex.size;
  const cols = productIndex.size;
  const n = interactions.length;
  const entryRow = new Int32Array(n);
  const entryCol = new Int32Array(n);
  const entryWeight = new Float64Array(n);
  const entryQty = new Float64Array(n); // > 0: committed quantity; 0: commitment without quantity; −1: not a commitment
  const lastActiveAt = new Float64Array(rows).fill(Number.NaN);
  const rowCount = new Int32Array(rows + 1);
  let firstAt = Number.NaN;
  let used = 0;
  let ignored = 0;

  for (const it of interactions) {
    const r = traderIndex.get(it.traderId);
    const c = productIndex.get(it.productId);
    const weight = options.weights[it.kind];
    const at = toMillis(it.at);
    if (r === undefined || c === undefined || !(weight > 0) || at > options.now) {
      ignored++;
      continue;
    }
    entryRow[used] = r;
    entryCol[used] = c;
    entryQty[used] = COMMITMENT_KINDS.has(it.kind) ? (it.quantity !== undefined && it.quantity > 0 ? it.quantity : 0) : -1;
    entryWeight[used] = weight * quantityFactor(entryQty[used]!) * decay(options.now - at, options.halfLifeDays);
    rowCount[r + 1]!++;
    if (!(at <= (lastActiveAt[r] as number))) lastActiveAt[r] = at;
    if (!(at >= firstAt)) firstAt = at;
    used++;
  }

  // Counting sort of the entries by row.
  for (let r = 0; r < rows; r++) rowCount[r + 1]! += rowCount[r]!;
  const order = new Int32Array(used);
  const next = rowCount.slice(0, rows);
  for (let e = 0; e < used; e++) order[next[entryRow[e]!]!++] = e;

  const indptr = new Int32Array(rows + 1);
  const jIndptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const values: number[] = [];
  const jIndices: number[] = [];
  const jValues: number[] = [];
  const quantities: number[] = [];
  for (let r = 0; r < rows; r++) {
    const slice = Array.from(order.subarray(rowCount[r]!, rowCount[r + 1]!));
    slice.sort((a, b) => entryCol[a]! - entryCol[b]! || a - b);
    let k = 0;
    while (k < slice.length) {
      const c = entryCol[slice[k]!]!;
      let sum = 0;
      let committed = false;
      quantities.length = 0;
      for (; k < slice.length && entryCol[slice[k]!] === c; k++) {
        const e = slice[k]!;
        sum += entryWeight[e]!;
        const q = entryQty[e]!;
        if (q >= 0) {
          committed = true;
          if (q > 0) quantities.push(q);
        }
      }
      indices.push(c);
      values.push(sum);
      if (committed) {
        jIndices.push(c);
        jValues.push(quantities.length > 0 ? median(quantities) : 0);
      }
    }
    indptr[r + 1] = indices.length;
    jIndptr[r + 1] = jIndices.length;
  }
  return {
    matrix: { rows, cols, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) },
    joined: { rows, cols, indptr: jIndptr, indices: Int32Array.from(jIndices), values: Float64Array.from(jValues) },
    lastActiveAt,
    firstAt,
    used,
    ignored,
  };
}

/**
 * How much a commitment's quantity adds to its weight: log2(1 + quantity), so one unit (or an unknown
 * quantity) weighs 1, ten units 3.5 and a hundred 6.7. A bulk buyer's 40 bags say more than a single
 * bag, but not forty times more.
 */
export function quantityFactor(quantity: number): number {
  return quantity > 0 ? Math.log2(1 + quantity) : 1;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

// ---------------------------------------------------------------------------------------------
// Preference vectors

/** Purchase frequency on an ordinal 0..1 scale; unknown values sit in the middle. */
export const FREQUENCY_SCALE: Readonly<Record<string, number>> = {
  weekly: 1,
  fortnightly: 2 / 3,
  monthly: 1 / 3,
  occasionally: 0,
};

export interface FeatureSpec {
  categories: string[];
  markets: string[];
  groupSizes: string[];
  /** log10(1 + minor units) range seen in training, for min-max scaling. */
  budgetLog: { min: number; max: number };
  /** The largest behaviour figures seen in training (log scale), for scaling to 0..1. */
  behaviourMax: { frequencyLog: number; monetaryLog: number; engagement: number };
  weights: FeatureBlockWeights;
  /** Names of the vector's dimensions, e.g. "category:sugar", "budget:max". */
  dimensions: string[];
}

/** Collects the vocabularies (categories, markets, group sizes) and the budget range. */
export function buildFeatureSpec(
  traders: readonly Pick<Trader, 'categories' | 'market' | 'groupSizes' | 'budgetMin' | 'budgetMax'>[],
  productCategories: readonly string[],
  weights: FeatureBlockWeights = DEFAULT_FEATURE_WEIGHTS,
  behaviour: readonly TraderBehaviour[] = [],
): FeatureSpec {
  const behaviourMax = { frequencyLog: 0, monetaryLog: 0, engagement: 0 };
  for (const b of behaviour) {
    behaviourMax.frequencyLog = Math.max(behaviourMax.frequencyLog, Math.log1p(b.frequency));
    behaviourMax.monetaryLog = Math.max(behaviourMax.monetaryLog, Math.log10(1 + b.monetary));
    behaviourMax.engagement = Math.max(behaviourMax.engagement, b.engagement);
  }
  const categories = new Set<string>(productCategories);
  const markets = new Set<string>();
  const groupSizes = new Set<string>();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of traders) {
    t.categories.forEach((c) => categories.add(c));
    markets.add(t.market);
    t.groupSizes.forEach((g) => groupSizes.add(g));
    for (const b of [t.budgetMin, t.budgetMax]) {
      const v = Math.log10(1 + Math.max(0, b));
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) {
    min = 0;
    max = 1;
  }
  const spec = {
    categories: [...categories].sort(),
    markets: [...markets].sort(),
    groupSizes: [...groupSizes].sort(),
    budgetLog: { min, max },
    behaviourMax,
    weights,
  };
  return {
    ...spec,
    dimensions: [
      ...spec.categories.map((c) => `category:${c}`),
      ...spec.markets.map((m) => `market:${m}`),
      'budget:min',
      'budget:max',
      ...spec.groupSizes.map((g) => `groupSize:${g}`),
      'frequency',
      'behaviour:frequency',
      'behaviour:monetary',
      'behaviour:recency',
      'behaviour:engagement',
    ],
  };
}

/** The snapshot a model trained as of `now` may use: the latest taken at or before it. */
export function behaviourAsOf(snapshots: readonly BehaviourSnapshot[] | undefined, now: number): BehaviourSnapshot | undefined {
  let best: BehaviourSnapshot | undefined;
  for (const s of snapshots ?? []) if (toMillis(s.at) <= now && (!best || toMillis(s.at) > toMillis(best.at))) best = s;
  return best;
}

/**
 * A trader's preferences as a numeric vector. Each block (categories, market, budget, group sizes,
 * frequency) has unit L2 norm at most, scaled by its block weight, so a trader with many categories
 * does not drown out the market, and vice versa.
 */
export function preferenceVector(spec: FeatureSpec, profile: TraderProfile): number[] {
  const w = spec.weights;
  const out: number[] = [];
  const multiHot = (vocab: string[], chosen: readonly string[], weight: number) => {
    const set = new Set(chosen);
    const hits = vocab.filter((v) => set.has(v)).length;
    const scale = hits > 0 ? weight / Math.sqrt(hits) : 0;
    for (const v of vocab) out.push(set.has(v) ? scale : 0);
  };
  multiHot(spec.categories, profile.categories, w.categories);
  multiHot(spec.markets, [profile.market], w.market);
  const span = spec.budgetLog.max - spec.budgetLog.min || 1;
  const scaled = (b: number) => clamp01((Math.log10(1 + Math.max(0, b)) - spec.budgetLog.min) / span);
  out.push((scaled(profile.budgetMin) * w.budget) / Math.SQRT2, (scaled(profile.budgetMax) * w.budget) / Math.SQRT2);
  multiHot(spec.groupSizes, profile.groupSizes, w.groupSizes);
  out.push((FREQUENCY_SCALE[profile.frequency] ?? 0.5) * w.frequency);
  // What they did, each on 0..1 against the most seen in training; no history is all zeros (a new
  // trader sits with the others who have not bought yet, not at some average).
  const m = spec.behaviourMax;
  if (!m) return out; // a model saved before the block existed: its centroids have no such dimensions
  const b = profile.behaviour;
  const block = b
    ? [
        m.frequencyLog > 0 ? clamp01(Math.log1p(b.frequency) / m.frequencyLog) : 0,
        m.monetaryLog > 0 ? clamp01(Math.log10(1 + b.monetary) / m.monetaryLog) : 0,
        b.recencyDays === null ? 0 : 30 / (30 + Math.max(0, b.recencyDays)),
        m.engagement > 0 ? clamp01(b.engagement / m.engagement) : 0,
      ]
    : [0, 0, 0, 0];
  const norm = Math.hypot(...block);
  for (const v of block) out.push(norm > 0 ? (v / Math.max(1, norm)) * w.behaviour : 0);
  return out;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}
