// Cold start and behavioural adjustments: similar traders (Jaccard), cluster and preference-based
// scores for traders without history, a bonus for new products, and decay for inactive traders.

import { rowOf, transpose, type CsrMatrix } from './sparse.ts';
import { DAY_MS } from './time.ts';
import type { ColdStartWeights } from './types.ts';

export const DEFAULT_COLD_START_WEIGHTS: ColdStartWeights = {
  category: 0.3,
  neighbors: 0.3,
  cluster: 0.2,
  content: 0.1,
  popularity: 0.1,
};

/** A trader with fewer distinct products than `minInteractions` takes the similarity path. */
export function isColdStart(distinctProducts: number, minInteractions: number): boolean {
  return distinctProducts < minInteractions;
}

export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) inter++;
  return inter / (a.size + b.size - inter);
}

export interface SimilarityTarget {
  categories: readonly string[];
  market: string;
  /** Product indices the trader joined or paid for. */
  joined: ReadonlySet<number>;
}

export interface Neighbor {
  trader: number;
  similarity: number;
}

/**
 * What the similarity search needs of the model's traders, built once per model: categories as
 * bitmasks and markets as numbers (so the per-request scan is integer work), and the joined
 * matrix both ways (trader → products, product → traders).
 */
export interface TraderSimilarityIndex {
  masks: Int32Array;
  /** False past 31 distinct categories, where the scan counts with the sets instead. */
  exact: boolean;
  markets: Int32Array;
  bit: Map<string, number>;
  marketId: Map<string, number>;
  categorySets: readonly ReadonlySet<string>[];
  lastActiveAt: ArrayLike<number>;
  joined: CsrMatrix;
  joiners: CsrMatrix;
}

export function buildSimilarityIndex(
  traders: { categorySets: readonly ReadonlySet<string>[]; markets: readonly string[]; lastActiveAt: ArrayLike<number> },
  joined: CsrMatrix,
  joiners: CsrMatrix = transpose(joined),
): TraderSimilarityIndex {
  const bit = new Map<string, number>();
  const marketId = new Map<string, number>();
  const masks = new Int32Array(traders.markets.length);
  const markets = new Int32Array(traders.markets.length);
  for (let t = 0; t < traders.markets.length; t++) {
    let mask = 0;
    for (const c of traders.categorySets[t] ?? []) {
      if (!bit.has(c)) bit.set(c, bit.size < 31 ? 1 << bit.size : 0);
      mask |= bit.get(c)!;
    }
    masks[t] = mask;
    const m = traders.markets[t]!;
    if (!marketId.has(m)) marketId.set(m, marketId.size);
    markets[t] = marketId.get(m)!;
  }
  return { masks, markets, bit, marketId, exact: bit.size <= 31, categorySets: traders.categorySets, lastActiveAt: traders.lastActiveAt, joined, joiners };
}

/** Whether trader `t` lists `category` (and is in market `market`, when one is given). */
export function tradesIn(index: TraderSimilarityIndex, t: number, category: string, market?: number): boolean {
  if (market !== undefined && index.markets[t] !== market) return false;
  return index.exact ? (index.masks[t]! & (index.bit.get(category) ?? 0)) !== 0 : (index.categorySets[t]?.has(category) ?? false);
}

/**
 * The `count` traders most similar to the target by Jaccard similarity of their attribute sets:
 * preferred categories, market, and products joined. Ties go to the more recently active trader.
 */
export function similarTraders(target: SimilarityTarget, index: TraderSimilarityIndex, count: number, exclude: number | null = null): Neighbor[] {
  const { categorySets, lastActiveAt } = index;
  const targetCats = new Set(target.categories);
  let targetMask = 0;
  for (const c of targetCats) targetMask |= index.bit.get(c) ?? 0;
  // Categories the traders never stated cannot match anyone, but still count in the union.
  const sizeA = targetCats.size + 1 + target.joined.size;
  const targetMarket = index.marketId.get(target.market) ?? -1;
  const { indptr } = index.joined;
  // Products in common, counted from the joiners of the target's products (the inverted index):
  // far fewer steps than looking up every trader's products in the target's set. The counts go in
  // a buffer kept between calls (the scan is synchronous): one per trader, on every request.
  if (sharedCounts.length < index.masks.length) sharedCounts = new Int32Array(index.masks.length);
  const shared = sharedCounts;
  shared.fill(0, 0, index.masks.length);
  const byProduct = index.joiners;
  for (const p of target.joined) {
    if (p < 0 || p >= byProduct.rows) continue;
    for (let q = byProduct.indptr[p]!; q < byProduct.indptr[p + 1]!; q++) shared[byProduct.indices[q]!]!++;
  }
  // The best `count` so far in a heap with the worst of them on top, kept in two typed arrays (a
  // better trader enters thousands of times in a scan): a trader enters only by ranking above
  // the top. Selecting under the same total order as one full sort keeps the result identical to
  // sorting every match of a 10,000-trader scan, which would dominate serving time.
  const heapTrader = new Int32Array(Math.max(0, count));
  const heapSim = new Float64Array(Math.max(0, count));
  let size = 0;
  for (let t = 0; t < index.masks.length; t++) {
    if (t === exclude) continue;
    const mask = index.masks[t]!;
    let inter = index.exact ? popcount(mask & targetMask) : countShared(categorySets[t] ?? EMPTY, targetCats);
    if (index.markets[t] === targetMarket) inter++;
    inter += shared[t]!;
    if (inter === 0) continue;
    const sizeB = (index.exact ? popcount(mask) : (categorySets[t] ?? EMPTY).size) + 1 + (indptr[t + 1]! - indptr[t]!);
    const similarity = inter / (sizeA + sizeB - inter);
    if (size < count) {
      heapTrader[size] = t;
      heapSim[size] = similarity;
      siftUp(size++);
    } else if (count > 0 && ranksAbove(t, similarity, heapTrader[0]!, heapSim[0]!)) {
      heapTrader[0] = t;
      heapSim[0] = similarity;
      siftDown(0);
    }
  }
  const out: Neighbor[] = [];
  for (let k = 0; k < size; k++) out.push({ trader: heapTrader[k]!, similarity: heapSim[k]! });
  return out.sort((a, b) => (ranksAbove(a.trader, a.similarity, b.trader, b.similarity) ? -1 : 1));

  function active(t: number) {
    return (lastActiveAt[t] ?? 0) || 0;
  }
  /** Whether trader t with this similarity ranks before trader u with uSim (a total order). */
  function ranksAbove(t: number, similarity: number, u: number, uSim: number) {
    if (similarity !== uSim) return similarity > uSim;
    const d = active(t) - active(u);
    return d !== 0 ? d > 0 : t < u;
  }
  /** Heap slot a belongs nearer the top than slot b: it ranks lower. */
  function worse(a: number, b: number) {
    return ranksAbove(heapTrader[b]!, heapSim[b]!, heapTrader[a]!, heapSim[a]!);
  }
  function swap(a: number, b: number) {
    const t = heapTrader[a]!;
    heapTrader[a] = heapTrader[b]!;
    heapTrader[b] = t;
    const v = heapSim[a]!;
    heapSim[a] = heapSim[b]!;
    heapSim[b] = v;
  }
  function siftUp(i: number) {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  }
  function siftDown(i: number) {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < size && worse(l, top)) top = l;
      if (r < size && worse(r, top)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  }
}

let sharedCounts = new Int32Array(0);

function countShared(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

const EMPTY: ReadonlySet<string> = new Set();

/** Σ over neighbors of similarity × [neighbor joined the product]. */
export function neighborScores(neighbors: readonly Neighbor[], joined: CsrMatrix, products: number): Float64Array {
  const out = new Float64Array(products);
  for (const { trader, similarity } of neighbors) {
    const row = rowOf(joined, trader);
    for (let p = 0; p < row.indices.length; p++) out[row.indices[p]!]! += similarity;
  }
  return out;
}

/** 1 when the product's category is one the trader prefers, else 0. */
export function categoryMatchScores(productCategories: readonly string[], preferred: readonly string[]): Float64Array {
  const set = new Set(preferred);
  return Float64Array.from(productCategories, (c) => (set.has(c) ? 1 : 0));
}

/** 1 for a product created now, falling linearly to 0 at `days` old; 0 for older products. */
export function freshness(createdAt: ArrayLike<number>, now: number, days: number): Float64Array {
  const out = new Float64Array(createdAt.length);
  for (let j = 0; j < createdAt.length; j++) {
    const ageDays = (now - (createdAt[j] ?? Number.NEGATIVE_INFINITY)) / DAY_MS;
    out[j] = ageDays >= 0 && ageDays < days ? 1 - ageDays / days : 0;
  }
  return out;
}

/**
 * How much to trust a trader's own (old) signals: 1 while they were active within `graceDays`,
 * then halving every `halfLifeDays` of inactivity. Interactions already decay with age; this also
 * shifts weight from personal signals to what is popular now.
 */
export function inactivityFactor(lastActiveAt: number, now: number, graceDays: number, halfLifeDays: number): number {
  if (!Number.isFinite(lastActiveAt)) return 1;
  const idleDays = (now - lastActiveAt) / DAY_MS - graceDays;
  if (idleDays <= 0) return 1;
  return 0.5 ** (idleDays / halfLifeDays);
}
