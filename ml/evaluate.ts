// Offline evaluation: temporal hold-out split, ranking metrics, and each component against the
// popularity baseline.

import { Rng } from './random.ts';
import { createSession, scoreCandidateArrays } from './scoring.ts';
import { toMillis } from './time.ts';
import type { TrainedModel } from './trained-model.ts';
import type { Dataset, EvaluationReport, InteractionKind, RankingMetrics, Timestamp } from './types.ts';

export interface SplitOptions {
  /** Hold out the latest fraction of interactions (by time). Ignored when cutoff is given. */
  holdoutFraction?: number;
  cutoff?: Timestamp;
  /** Which held-out interactions count as relevant. */
  relevantKinds?: readonly InteractionKind[];
}

export interface HoldoutSplit {
  /** Interactions before the cutoff; `now` is the cutoff. Traders and products are kept as they are. */
  train: Dataset;
  /** traderId → products they interacted with (relevant kinds) at or after the cutoff. */
  test: Map<string, Set<string>>;
  cutoff: number;
  trainInteractions: number;
  testInteractions: number;
}

export function temporalSplit(dataset: Dataset, options: SplitOptions = {}): HoldoutSplit {
  const now = toMillis(dataset.now);
  const usable = dataset.interactions.filter((i) => toMillis(i.at) <= now);
  let cutoff: number;
  if (options.cutoff !== undefined) cutoff = toMillis(options.cutoff);
  else {
    const fraction = options.holdoutFraction ?? 0.2;
    const times = usable.map((i) => toMillis(i.at)).sort((a, b) => a - b);
    cutoff = times[Math.min(times.length - 1, Math.floor((1 - fraction) * times.length))] ?? now;
  }
  const relevantKinds = new Set(options.relevantKinds ?? ['paid', 'join']);
  const train = usable.filter((i) => toMillis(i.at) < cutoff);
  const held = usable.filter((i) => toMillis(i.at) >= cutoff);
  const test = new Map<string, Set<string>>();
  for (const i of held) {
    if (!relevantKinds.has(i.kind)) continue;
    let set = test.get(i.traderId);
    if (!set) test.set(i.traderId, (set = new Set()));
    set.add(i.productId);
  }
  return {
    train: { ...dataset, interactions: train, now: cutoff },
    test,
    cutoff,
    trainInteractions: train.length,
    testInteractions: held.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Metrics on one ranked list (binary relevance)

export function precisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (k <= 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i]!)) hits++;
  return hits / k;
}

export function recallAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i]!)) hits++;
  return hits / relevant.size;
}

/** DCG@k / ideal DCG@k with gains 1 / log2(position + 1). */
export function ndcgAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) if (relevant.has(ranked[i]!)) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** AP@k: mean of precision@i over the relevant positions i ≤ k, divided by min(|relevant|, k). */
export function averagePrecisionAtK(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    if (relevant.has(ranked[i]!)) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  const denom = Math.min(relevant.size, k);
  return denom > 0 ? sum / denom : 0;
}

/** Share of the catalog that appears in at least one list. */
export function catalogCoverage(lists: readonly (readonly string[])[], catalogSize: number): number {
  const seen = new Set<string>();
  for (const l of lists) for (const id of l) seen.add(id);
  return catalogSize > 0 ? seen.size / catalogSize : 0;
}

/** Indices of the k highest scores among candidates (ties: lower index first). */
export function topK(scores: ArrayLike<number>, candidates: readonly number[], k: number): number[] {
  const top: number[] = [];
  for (const c of candidates) {
    const s = scores[c] ?? 0;
    if (top.length === k) {
      const last = top[k - 1]!;
      if (!(s > (scores[last] ?? 0))) continue;
      top.pop();
    }
    let pos = top.length;
    while (pos > 0 && s > (scores[top[pos - 1]!] ?? 0)) pos--;
    top.splice(pos, 0, c);
  }
  return top;
}

// ---------------------------------------------------------------------------------------------

export interface EvaluateOptions {
  k?: number;
  /** Evaluate at most this many traders (a seeded sample). */
  maxTraders?: number;
  seed?: number;
  /** Leave out of each ranking (and of the relevant set) the products the trader had before the cutoff. */
  excludeSeen?: boolean;
}

type Ranker = 'popularity' | 'cf' | 'content' | 'hybrid';
const RANKERS: Ranker[] = ['popularity', 'cf', 'content', 'hybrid'];

/**
 * Ranks the catalog for each held-out trader with each component alone and with the full hybrid
 * (the same routing recommend() uses, without diversity), and averages the metrics. CF falls back to
 * popularity for traders the model has no factors for.
 */
export function evaluateModel(
  model: TrainedModel,
  split: Pick<HoldoutSplit, 'test' | 'cutoff' | 'trainInteractions' | 'testInteractions'>,
  options: EvaluateOptions = {},
): EvaluationReport {
  const k = options.k ?? 10;
  const excludeSeen = options.excludeSeen ?? true;
  const ids = [...split.test.keys()].filter((id) => model.derived.traderIndex.has(id)).sort();
  const sample = ids.length > (options.maxTraders ?? 1000)
    ? new Rng(options.seed ?? 42).sampleIndices(ids.length, options.maxTraders ?? 1000).map((i) => ids[i]!)
    : ids;
  const m = model.products.ids.length;
  const sums: Record<Ranker, RankingMetrics> = Object.fromEntries(
    RANKERS.map((r) => [r, { precision: 0, recall: 0, ndcg: 0, map: 0, coverage: 0 }]),
  ) as Record<Ranker, RankingMetrics>;
  const lists: Record<Ranker, string[][]> = { popularity: [], cf: [], content: [], hybrid: [] };
  let evaluated = 0;
  const all = Array.from({ length: m }, (_, j) => j);

  for (const traderId of sample) {
    const session = createSession(model, { traderId }, { now: split.cutoff });
    const seen = new Set(session.trader.history.map((h) => h.product));
    const relevant = new Set([...(split.test.get(traderId) ?? [])].filter((id) => {
      const j = model.derived.productIndex.get(id);
      return j !== undefined && !(excludeSeen && seen.has(j));
    }));
    if (relevant.size === 0) continue;
    const candidates = excludeSeen ? all.filter((j) => !seen.has(j)) : all;
    const hybrid = new Float64Array(m);
    const fused = scoreCandidateArrays(session, candidates);
    candidates.forEach((j, i) => (hybrid[j] = fused.scores[i]!));
    const scores: Record<Ranker, ArrayLike<number>> = {
      popularity: model.popularity,
      cf: session.components.cf ?? model.popularity,
      content: session.components.content ?? new Float64Array(m),
      hybrid,
    };
    for (const r of RANKERS) {
      const ranked = topK(scores[r], candidates, k).map((j) => model.products.ids[j]!);
      sums[r].precision += precisionAtK(ranked, relevant, k);
      sums[r].recall += recallAtK(ranked, relevant, k);
      sums[r].ndcg += ndcgAtK(ranked, relevant, k);
      sums[r].map += averagePrecisionAtK(ranked, relevant, k);
      lists[r].push(ranked);
    }
    evaluated++;
  }
  const components = {} as Record<Ranker, RankingMetrics>;
  for (const r of RANKERS) {
    const s = sums[r];
    const n = Math.max(1, evaluated);
    components[r] = {
      precision: s.precision / n,
      recall: s.recall / n,
      ndcg: s.ndcg / n,
      map: s.map / n,
      coverage: catalogCoverage(lists[r], m),
    };
  }
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const base = components.popularity;
  const lift = (r: Exclude<Ranker, 'popularity'>) => ({
    ndcg: ratio(components[r].ndcg, base.ndcg),
    precision: ratio(components[r].precision, base.precision),
  });
  return {
    k,
    cutoff: new Date(split.cutoff).toISOString(),
    trainInteractions: split.trainInteractions,
    testInteractions: split.testInteractions,
    tradersEvaluated: evaluated,
    excludeSeen,
    components,
    liftOverPopularity: { cf: lift('cf'), content: lift('content'), hybrid: lift('hybrid') },
  };
}
