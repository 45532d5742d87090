import { describe, expect, it } from 'vitest';
import { buildSimilarityIndex, categoryMatchScores, freshness, inactivityFactor, jaccard, neighborScores, similarTraders } from '../../ml/coldstart.ts';
import { contentProfile, contentScores } from '../../ml/content.ts';
import { diversify, topByScore } from '../../ml/diversity.ts';
import { fuse, minMaxNormalize, normalizeWeights } from '../../ml/hybrid.ts';
import { csrFromRowMaps, csrFromVectors } from '../../ml/sparse.ts';
import { fitTfidf } from '../../ml/tfidf.ts';
import { DAY_MS } from '../../ml/time.ts';

describe('hybrid fusion', () => {
  it('min-max normalizes per candidate set; a constant component carries nothing', () => {
    expect([...minMaxNormalize([5, 1, 3, 100], [0, 1, 2])]).toEqual([1, 0, 0.5]);
    expect([...minMaxNormalize([2, 2, 2], [0, 1, 2])]).toEqual([0, 0, 0]);
  });

  it('fuses 0.6 CF + 0.3 content + 0.1 popularity with per-component contributions', () => {
    const fused = fuse(
      { cf: [0.2, 0.8, 0.5], content: [0.1, 0.1, 0.4], popularity: [10, 0, 5] },
      { cf: 0.6, content: 0.3, popularity: 0.1 },
      [0, 1, 2],
    );
    // normalized: cf [0, 1, 0.5], content [0, 0, 1], popularity [1, 0, 0.5]
    const close = (x: number) => expect.closeTo(x, 12);
    expect(fused.map((f) => f.score)).toEqual([close(0.1), close(0.6), close(0.65)]);
    expect(fused[2]!.contributions).toEqual({ cf: close(0.3), content: close(0.3), popularity: close(0.05) });
    expect(fused[2]!.signals).toEqual({ cf: close(0.5), content: close(1), popularity: close(0.5) });
  });

  it('normalizes weights to sum to one', () => {
    expect(normalizeWeights({ cf: 3, content: 1, popularity: 0 })).toEqual({ cf: 0.75, content: 0.25 });
  });
});

describe('content scores', () => {
  const tfidf = fitTfidf([
    { name: 'sunflower cooking oil', description: '', category: 'cooking-oil' },
    { name: 'soya cooking oil', description: '', category: 'cooking-oil' },
    { name: 'brown sugar', description: '', category: 'sugar' },
  ]);

  it('ranks products like the ones the trader interacted with first', () => {
    const profile = contentProfile(tfidf, tfidf.vectors, [{ product: 0, weight: 3 }], []);
    const s = contentScores(profile, csrFromVectors(tfidf.vectors, tfidf.vocabulary.length));
    expect(s[0]).toBeCloseTo(1, 12);
    expect(s[1]!).toBeGreaterThan(0.3);
    expect(s[2]).toBe(0);
  });

  it('builds a profile from preferred categories alone', () => {
    const s = contentScores(contentProfile(tfidf, tfidf.vectors, [], ['sugar']), csrFromVectors(tfidf.vectors, tfidf.vocabulary.length));
    expect(s[2]!).toBeGreaterThan(0);
    expect(s[0]).toBe(0);
    expect(contentProfile(tfidf, tfidf.vectors, [], [])).toBeNull();
  });
});

describe('cold start helpers', () => {
  it('jaccard', () => {
    expect(jaccard(new Set(['a', 'b', 'c']), new Set(['b', 'c', 'd']))).toBe(0.5);
    expect(jaccard(new Set(), new Set())).toBe(0);
  });

  it('finds similar traders over categories, market and joined products', () => {
    const joined = csrFromRowMaps([new Map([[0, 1]]), new Map([[1, 1]]), new Map()], 3);
    const traders = {
      categorySets: [new Set(['sugar']), new Set(['sugar', 'rice']), new Set(['hardware'])],
      markets: ['Mbare Musika', 'Mbare Musika', 'Glen View'],
      lastActiveAt: [0, 0, 0],
    };
    const n = similarTraders({ categories: ['sugar'], market: 'Mbare Musika', joined: new Set([0]) }, buildSimilarityIndex(traders, joined), 5);
    // target {sugar, Mbare, p0}: trader 0 {sugar, Mbare, p0} → 3/3; trader 1 {sugar, rice, Mbare, p1} → 2/5; trader 2 shares nothing
    expect(n).toEqual([
      { trader: 0, similarity: 1 },
      { trader: 1, similarity: 0.4 },
    ]);
    expect([...neighborScores(n, joined, 3)]).toEqual([1, 0.4, 0]);
  });

  it('category match, freshness and inactivity', () => {
    expect([...categoryMatchScores(['sugar', 'rice', 'soap'], ['soap', 'sugar'])]).toEqual([1, 0, 1]);
    const now = 100 * DAY_MS;
    expect([...freshness([now - 7 * DAY_MS, now - 20 * DAY_MS, now], now, 14)]).toEqual([0.5, 0, 1]);
    expect(inactivityFactor(now - 10 * DAY_MS, now, 30, 60)).toBe(1);
    expect(inactivityFactor(now - 90 * DAY_MS, now, 30, 60)).toBeCloseTo(0.5, 12);
    expect(inactivityFactor(Number.NaN, now, 30, 60)).toBe(1);
  });
});

describe('diversify', () => {
  const items = [
    { id: 'a1', c: 'a', s: 1 },
    { id: 'a2', c: 'a', s: 0.99 },
    { id: 'a3', c: 'a', s: 0.98 },
    { id: 'a4', c: 'a', s: 0.97 },
    { id: 'a5', c: 'a', s: 0.96 },
    { id: 'b1', c: 'b', s: 0.5 },
    { id: 'c1', c: 'c', s: 0.4 },
  ];
  const opts = { score: (x: (typeof items)[0]) => x.s, category: (x: (typeof items)[0]) => x.c };

  it('keeps at most ceil(limit / 3) per category while others are available', () => {
    const top = diversify(items, { ...opts, limit: 6, lambda: 1 });
    expect(top.map((x) => x.id)).toEqual(['a1', 'a2', 'b1', 'c1', 'a3', 'a4']);
  });

  it('penalizes items similar to ones already picked (MMR)', () => {
    const top = diversify(items, { ...opts, limit: 2, maxPerCategory: 2, lambda: 0.5, similarity: (x, y) => (x.c === y.c ? 1 : 0) });
    expect(top.map((x) => x.id)).toEqual(['a1', 'b1']);
  });
});

describe('topByScore', () => {
  it('keeps what a stable sort and slice would: best first, ties in input order', () => {
    // Scores from a small set so that ties are common, including at the cut.
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const [n, k] of [[0, 5], [3, 5], [50, 5], [500, 50], [500, 500], [40, 1]] as const) {
      const items = Array.from({ length: n }, (_, i) => ({ i, s: Math.floor(next() * 12) / 4 }));
      const expected = [...items].sort((a, b) => b.s - a.s).slice(0, k);
      expect(topByScore(items, (x) => x.s, k)).toEqual(expected);
    }
  });
});

describe('similarTraders at scale', () => {
  it('keeps exactly the neighbours a full Jaccard sort would, with its early cut-offs', async () => {
    const { generateSynthetic, train } = await import('../../ml/index.ts');
    const syn = generateSynthetic({ traders: 600, products: 120, groups: 20, seed: 5 });
    const model = train(syn.dataset, { version: 't', evaluation: false } as never);
    const { traderCategorySets } = model.derived;
    const markets = model.traders.profiles.map((p) => p.market);
    const lastActiveAt = model.traders.lastActiveAt;
    const rowsOf = (t: number) => new Set(Array.from(model.joined.indices.slice(model.joined.indptr[t]!, model.joined.indptr[t + 1]!)));
    for (const t of [0, 17, 311]) {
      const target = { categories: [...traderCategorySets[t]!], market: markets[t]!, joined: rowsOf(t) };
      const fast = similarTraders(target, model.derived.similarity, 10, t);
      // The naive definition: Jaccard over {categories} ∪ {market} ∪ {joined products}, every trader, one sort.
      const key = (u: number) => new Set<string>([...[...traderCategorySets[u]!].map((c) => `c:${c}`), `m:${markets[u]}`, ...[...rowsOf(u)].map((p) => `p:${p}`)]);
      const mine = key(t);
      const naive = markets
        .map((_, u) => ({ trader: u, similarity: jaccard(mine, key(u)) }))
        .filter((n) => n.trader !== t && n.similarity > 0)
        .sort((a, b) => b.similarity - a.similarity || (lastActiveAt[b.trader] ?? 0) - (lastActiveAt[a.trader] ?? 0) || a.trader - b.trader)
        .slice(0, 10);
      expect(fast.map((n) => n.trader)).toEqual(naive.map((n) => n.trader));
      expect(fast.map((n) => n.similarity)).toEqual(naive.map((n) => expect.closeTo(n.similarity, 12)));
    }
  });
});
