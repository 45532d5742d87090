// Diversity re-ranking: greedy maximal marginal relevance with a cap per category.

export interface DiversifyOptions<T> {
  limit: number;
  /** At most this many items per category while other categories have candidates; ceil(limit / 3) by default. */
  maxPerCategory?: number;
  /** 1 = pure relevance, 0 = pure novelty. */
  lambda?: number;
  score: (item: T) => number;
  category: (item: T) => string;
  /** Similarity of two items in 0..1 (e.g. cosine of their TF-IDF vectors). */
  similarity?: (a: T, b: T) => number;
  /** Only the best limit × poolFactor items are considered. */
  poolFactor?: number;
}

/**
 * Picks `limit` items one at a time, each maximizing λ·score − (1 − λ)·(max similarity to the items
 * already picked), skipping categories that reached the cap. When every remaining item is in a capped
 * category (too few categories to fill the list), the cap is lifted for the rest.
 */
export function diversify<T>(items: readonly T[], options: DiversifyOptions<T>): T[] {
  const { limit, score, category } = options;
  if (limit <= 0) return [];
  const cap = options.maxPerCategory ?? Math.ceil(limit / 3);
  const lambda = options.lambda ?? 0.8;
  const pool = topByScore(items, score, limit * (options.poolFactor ?? 5));
  const chosen: T[] = [];
  const perCategory = new Map<string, number>();
  const maxSim = new Float64Array(pool.length);
  const taken = new Uint8Array(pool.length);
  let capped = true;
  while (chosen.length < limit && chosen.length < pool.length) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const item = pool[i] as T;
      if (capped && (perCategory.get(category(item)) ?? 0) >= cap) continue;
      const value = lambda * score(item) - (1 - lambda) * maxSim[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best < 0) {
      if (!capped) break;
      capped = false;
      continue;
    }
    const picked = pool[best] as T;
    taken[best] = 1;
    chosen.push(picked);
    perCategory.set(category(picked), (perCategory.get(category(picked)) ?? 0) + 1);
    if (options.similarity && lambda < 1) {
      for (let i = 0; i < pool.length; i++) {
        if (!taken[i]) maxSim[i] = Math.max(maxSim[i]!, options.similarity(pool[i] as T, picked));
      }
    }
  }
  return chosen;
}

/**
 * The best `k` items by score, best first, ties in input order: what a stable sort then slice(0, k)
 * gives, without sorting every open group to keep a few dozen.
 */
export function topByScore<T>(items: readonly T[], score: (item: T) => number, k: number): T[] {
  const top: T[] = [];
  const scores: number[] = [];
  for (const item of items) {
    const s = score(item);
    if (top.length >= k && !(s > scores[k - 1]!)) continue;
    let i = top.length;
    while (i > 0 && scores[i - 1]! < s) i--;
    top.splice(i, 0, item);
    scores.splice(i, 0, s);
    if (top.length > k) {
      top.pop();
      scores.pop();
    }
  }
  return top;
}
