// Offline evaluation: temporal hold-out split, ranking metrics, and each component against the
// popularity baseline.

import { diversify } from './diversity.ts';
import { minMaxNormalize } from './hybrid.ts';
import { Rng } from './random.ts';
import { createSession, scoreCandidateArrays, type ScoringSession } from './scoring.ts';
import { sparseDot } from './sparse.ts';
import { toMillis } from './time.ts';
import type { TrainedModel } from './trained-model.ts';
import type { ColdStartWeights, Dataset, EvaluationReport, HybridWeights, InteractionKind, RankingMetrics, Timestamp } from './types.ts';

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
  /** Fusion weights of the personalized path to evaluate the hybrid with (the model's own otherwise). */
  hybridWeights?: Partial<HybridWeights>;
  /**
   * Adjustments on top of the fused score, each on or off, to measure a component alone: the
   * new-product bonus and the shift to popular signals for traders who have been away (both on by
   * default, as served) and the diversity re-ranking (off by default: it trades relevance for
   * variety on purpose).
   */
  adjustments?: { newProductBonus?: boolean; diversity?: boolean; inactivityShift?: boolean };
}

export type Ranker = 'popularity' | 'cf' | 'content' | 'itemKnn' | 'hybrid';
export const RANKERS: readonly Ranker[] = ['popularity', 'cf', 'content', 'itemKnn', 'hybrid'];

/** One evaluated trader: what was relevant and what each ranker put in its top k. */
export interface RankedLists {
  traderId: string;
  /** "new": no interactions before the cutoff (cold start); "returning": some. */
  audience: 'new' | 'returning';
  /** The hybrid's route for the trader: personalized (fusion weights) or similarity (cold-start weights). */
  path: ScoringSession['path'];
  relevant: string[];
  ranked: Record<Ranker, string[]>;
}

export interface EvaluationResult extends EvaluationReport {
  /** The ranked lists that were scored, so anyone can re-score them. */
  lists: RankedLists[];
}

function emptyMetrics(): RankingMetrics {
  return { precision: 0, recall: 0, ndcg: 0, map: 0, coverage: 0 };
}

/** Averages of the ranking metrics over lists, and the catalog coverage of their union. */
export function scoreLists(lists: readonly RankedLists[], k: number, catalogSize: number): Record<Ranker, RankingMetrics> {
  const out = {} as Record<Ranker, RankingMetrics>;
  for (const r of RANKERS) {
    const m = emptyMetrics();
    for (const l of lists) {
      const relevant = new Set(l.relevant);
      const ranked = l.ranked[r];
      m.precision += precisionAtK(ranked, relevant, k);
      m.recall += recallAtK(ranked, relevant, k);
      m.ndcg += ndcgAtK(ranked, relevant, k);
      m.map += averagePrecisionAtK(ranked, relevant, k);
    }
    const n = Math.max(1, lists.length);
    out[r] = { precision: m.precision / n, recall: m.recall / n, ndcg: m.ndcg / n, map: m.map / n, coverage: catalogCoverage(lists.map((l) => l.ranked[r]), catalogSize) };
  }
  return out;
}

interface Evaluated {
  traderId: string;
  audience: 'new' | 'returning';
  relevant: Set<string>;
  candidates: number[];
  session: ScoringSession;
}

/** The held-out traders the model knows (a seeded sample), each with a scoring session at the cutoff. */
function evaluatedTraders(model: TrainedModel, split: Pick<HoldoutSplit, 'test' | 'cutoff'>, options: EvaluateOptions, weights?: Partial<HybridWeights>): Evaluated[] {
  const excludeSeen = options.excludeSeen ?? true;
  const max = options.maxTraders ?? 1000;
  const ids = [...split.test.keys()].filter((id) => model.derived.traderIndex.has(id)).sort();
  const sample = ids.length > max ? new Rng(options.seed ?? 42).sampleIndices(ids.length, max).map((i) => ids[i]!) : ids;
  const all = model.derived.productOrder;
  const out: Evaluated[] = [];
  for (const traderId of sample) {
    const session = createSession(model, { traderId }, {
      now: split.cutoff,
      ...(weights ? { hybridWeights: weights } : {}),
      ...(options.adjustments?.inactivityShift === false ? { inactivityShift: false } : {}),
    });
    const seen = new Set(session.trader.history.map((h) => h.product));
    const relevant = new Set(
      [...(split.test.get(traderId) ?? [])].filter((id) => {
        const j = model.derived.productIndex.get(id);
        return j !== undefined && !(excludeSeen && seen.has(j));
      }),
    );
    if (relevant.size === 0) continue;
    const candidates = excludeSeen ? all.filter((j) => !seen.has(j)) : [...all];
    out.push({ traderId, audience: session.trader.history.length === 0 ? 'new' : 'returning', relevant, candidates, session });
  }
  return out;
}

/**
 * Ranks the catalog for each held-out trader with each component alone (popularity, CF, content,
 * item kNN) and with the full hybrid (the routing recommend() uses), and averages the metrics. CF
 * and item kNN fall back to popularity for traders they have nothing for. Traders with no history
 * before the cutoff (cold start) are counted apart from returning ones; `lists` holds every ranked
 * list scored.
 */
export function evaluateModel(
  model: TrainedModel,
  split: Pick<HoldoutSplit, 'test' | 'cutoff' | 'trainInteractions' | 'testInteractions'>,
  options: EvaluateOptions = {},
): EvaluationResult {
  const k = options.k ?? 10;
  const excludeSeen = options.excludeSeen ?? true;
  const bonus = options.adjustments?.newProductBonus ?? true;
  const diversity = options.adjustments?.diversity ?? false;
  const m = model.products.ids.length;
  const lists: RankedLists[] = [];
  for (const t of evaluatedTraders(model, split, options, options.hybridWeights)) {
    const { session, candidates } = t;
    const hybrid = new Float64Array(m);
    const fused = scoreCandidateArrays(session, candidates, { newProductBonus: bonus });
    candidates.forEach((j, i) => (hybrid[j] = fused.scores[i]!));
    const knn = session.components.itemKnn;
    const hasKnn = knn !== undefined && candidates.some((j) => (knn[j] ?? 0) > 0);
    const scores: Record<Ranker, ArrayLike<number>> = {
      popularity: model.popularity,
      cf: session.components.cf ?? model.popularity,
      content: session.components.content ?? new Float64Array(m),
      itemKnn: hasKnn ? knn : model.popularity,
      hybrid,
    };
    const ranked = {} as Record<Ranker, string[]>;
    for (const r of RANKERS) {
      const top = r === 'hybrid' && diversity ? diversified(session, hybrid, candidates, k) : topK(scores[r], candidates, k);
      ranked[r] = top.map((j) => model.products.ids[j]!);
    }
    lists.push({ traderId: t.traderId, audience: t.audience, path: session.path, relevant: [...t.relevant], ranked });
  }
  const components = scoreLists(lists, k, m);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const base = components.popularity;
  const lift = (r: Exclude<Ranker, 'popularity'>) => ({
    ndcg: ratio(components[r].ndcg, base.ndcg),
    precision: ratio(components[r].precision, base.precision),
  });
  const coldStart = lists.filter((l) => l.audience === 'new').length;
  const byPath = Object.fromEntries(
    (['personalized', 'similarity'] as const).map((path) => {
      const on = lists.filter((l) => l.path === path);
      const scored = scoreLists(on, k, m);
      return [path, { traders: on.length, ndcg: Object.fromEntries(RANKERS.map((r) => [r, scored[r].ndcg])) as Record<Ranker, number> }];
    }),
  ) as EvaluationReport['byPath'];
  return {
    k,
    cutoff: new Date(split.cutoff).toISOString(),
    trainInteractions: split.trainInteractions,
    testInteractions: split.testInteractions,
    tradersEvaluated: lists.length,
    traders: { coldStart, returning: lists.length - coldStart },
    excludeSeen,
    adjustments: { newProductBonus: bonus, diversity, inactivityShift: options.adjustments?.inactivityShift ?? true },
    components,
    byPath,
    liftOverPopularity: { cf: lift('cf'), content: lift('content'), itemKnn: lift('itemKnn'), hybrid: lift('hybrid') },
    lists,
  };
}

/** The hybrid's top k after the diversity re-ranking recommend() applies (MMR, a cap per category). */
function diversified(session: ScoringSession, scores: Float64Array, candidates: readonly number[], k: number): number[] {
  const { categories, vectors } = session.catalog;
  return diversify(candidates, {
    limit: k,
    score: (j) => scores[j]!,
    category: (j) => categories[j] ?? '',
    similarity: (a, b) => (vectors[a] && vectors[b] ? sparseDot(vectors[a]!, vectors[b]!) : 0),
  });
}

// ---------------------------------------------------------------------------------------------
// Tuning the fusion weights

export interface WeightTuning {
  /** The weights the model serves: the best on the validation split, the default unless beaten. */
  weights: HybridWeights;
  /** Whether the shift to popular signals for returning traders stays (it does unless dropping it wins). */
  inactivityShift: boolean;
  chosen: 'default' | 'tuned';
  validation: { cutoff: string; traders: number; defaultNdcg: number; bestNdcg: number };
  /** Every combination tried with its validation NDCG@k, best first (the first few). */
  tried: { weights: HybridWeights; inactivityShift: boolean; ndcg: number }[];
}

/** Weights on a grid over the simplex (steps of 1/steps) for cf, content, itemKnn, popularity. */
export function weightGrid(steps = 4): HybridWeights[] {
  const out: HybridWeights[] = [];
  for (let a = 0; a <= steps; a++)
    for (let b = 0; a + b <= steps; b++)
      for (let c = 0; a + b + c <= steps; c++) out.push({ cf: a / steps, content: b / steps, itemKnn: c / steps, popularity: (steps - a - b - c) / steps });
  return out;
}

/**
 * Picks the personalized path's fusion weights on a validation split (a model trained before the
 * validation cutoff, graded on what came after it, all before the test cutoff): each combination of
 * weightGrid() and the default, by NDCG@k. The default is kept unless a combination beats it. Only
 * traders on the personalized path are graded: the weights do nothing for the others.
 */
export function tuneWeights(
  model: TrainedModel,
  split: Pick<HoldoutSplit, 'test' | 'cutoff'>,
  defaults: HybridWeights,
  options: EvaluateOptions = {},
): WeightTuning {
  const k = options.k ?? 10;
  const names = ['cf', 'content', 'itemKnn', 'popularity', 'cluster'] as const;
  const traders = evaluatedTraders(model, split, options).filter((t) => t.session.path === 'personalized');
  // Each weighting with and without the inactivity shift; the first is what the model has now.
  const shiftOn = model.params.coldStart.inactivityShift;
  const candidates = [defaults, ...weightGrid(4)].flatMap((weights) => [
    { weights, shift: shiftOn },
    { weights, shift: !shiftOn },
  ]);
  const sums = new Float64Array(candidates.length);
  const bonus = (options.adjustments?.newProductBonus ?? true) ? model.params.coldStart.newProductBonus : 0;
  for (const t of traders) {
    const normalized = names.map((n) => minMaxNormalize(t.session.components[n] ?? new Float64Array(0), t.candidates));
    // The new-product bonus, as scoreCandidateArrays adds it: freshness × normalized content.
    const fresh = Float64Array.from(t.candidates, (j, i) => bonus * (t.session.freshness[j] ?? 0) * normalized[1]![i]!);
    const fused = new Float64Array(t.candidates.length);
    const factor = t.session.inactivity;
    candidates.forEach(({ weights: w, shift: on }, c) => {
      const inactivity = on ? factor : 1;
      const total = w.cf + w.content + w.itemKnn + w.popularity || 1;
      // As createSession weighs them: personal signals scaled by the trader's inactivity, the
      // weight they lose split between popularity and the trader's segment.
      const personal = (w.cf + w.content + w.itemKnn) / total;
      const shift = (1 - inactivity) * personal;
      const effective = [(w.cf / total) * inactivity, (w.content / total) * inactivity, (w.itemKnn / total) * inactivity, w.popularity / total + shift / 2, shift / 2];
      fused.set(fresh);
      names.forEach((_, x) => {
        const weight = effective[x]!;
        if (weight > 0) for (let i = 0; i < fused.length; i++) fused[i]! += weight * normalized[x]![i]!;
      });
      const top = topK(fused, Array.from(fused.keys()), k).map((i) => model.products.ids[t.candidates[i]!]!);
      sums[c]! += ndcgAtK(top, t.relevant, k);
    });
  }
  const n = Math.max(1, traders.length);
  const scored = candidates.map(({ weights, shift }, c) => ({ weights, inactivityShift: shift, ndcg: sums[c]! / n }));
  let best = 0;
  scored.forEach((s, c) => {
    if (s.ndcg > scored[best]!.ndcg + 1e-9) best = c;
  });
  return {
    weights: scored[best]!.weights,
    inactivityShift: scored[best]!.inactivityShift,
    chosen: best === 0 ? 'default' : 'tuned',
    validation: { cutoff: new Date(split.cutoff).toISOString(), traders: traders.length, defaultNdcg: scored[0]!.ndcg, bestNdcg: scored[best]!.ndcg },
    tried: [...scored].sort((a, b) => b.ndcg - a.ndcg).slice(0, 5),
  };
}

/** Points of the simplex in `dims` dimensions with coordinates in steps of 1/steps. */
function simplexGrid(dims: number, steps: number): number[][] {
  if (dims === 1) return [[1]];
  const out: number[][] = [];
  for (let a = 0; a <= steps; a++) for (const rest of simplexGrid(dims - 1, steps - a)) out.push([a / steps, ...rest.map((x) => (x * (steps - a)) / steps)]);
  return steps === 0 ? [new Array<number>(dims).fill(0).map((_, i) => (i === dims - 1 ? 1 : 0))] : out;
}

export interface ColdStartTuning {
  weights: ColdStartWeights;
  chosen: 'default' | 'tuned';
  /** bestSingle: the best of the weightings that use one signal alone. */
  validation: { traders: number; defaultNdcg: number; bestNdcg: number; bestSingle: { name: string; ndcg: number } | null };
}

/**
 * The same search for the similarity (cold-start) path: traders with no or too little history,
 * ranked by category match, similar traders, their segment, content and popularity. `inactivityShift`
 * is whether returning traders' content weight moves to popularity (as tuneWeights chose).
 */
export function tuneColdStartWeights(
  model: TrainedModel,
  split: Pick<HoldoutSplit, 'test' | 'cutoff'>,
  defaults: ColdStartWeights,
  inactivityShift: boolean,
  options: EvaluateOptions = {},
): ColdStartTuning {
  const k = options.k ?? 10;
  const names = ['category', 'neighbors', 'cluster', 'content', 'popularity'] as const;
  const traders = evaluatedTraders(model, split, options).filter((t) => t.session.path === 'similarity');
  const candidates: ColdStartWeights[] = [
    defaults,
    ...simplexGrid(names.length, 4).map((v) => Object.fromEntries(names.map((n, i) => [n, v[i]!])) as unknown as ColdStartWeights),
  ];
  const sums = new Float64Array(candidates.length);
  const bonus = (options.adjustments?.newProductBonus ?? true) ? model.params.coldStart.newProductBonus : 0;
  for (const t of traders) {
    const normalized = names.map((n) => minMaxNormalize(t.session.components[n] ?? new Float64Array(0), t.candidates));
    const fresh = Float64Array.from(t.candidates, (j, i) => bonus * (t.session.freshness[j] ?? 0) * normalized[3]![i]!);
    const fused = new Float64Array(t.candidates.length);
    const inactivity = inactivityShift ? t.session.inactivity : 1;
    candidates.forEach((w, c) => {
      const total = names.reduce((s, n) => s + w[n], 0) || 1;
      // As createSession weighs them: a returning trader's content weight moves to popularity.
      const moved = t.session.trader.history.length > 0 ? (1 - inactivity) * (w.content / total) : 0;
      fused.set(fresh);
      names.forEach((n, x) => {
        const weight = w[n] / total + (n === 'content' ? -moved : n === 'popularity' ? moved : 0);
        if (weight > 0) for (let i = 0; i < fused.length; i++) fused[i]! += weight * normalized[x]![i]!;
      });
      const top = topK(fused, Array.from(fused.keys()), k).map((i) => model.products.ids[t.candidates[i]!]!);
      sums[c]! += ndcgAtK(top, t.relevant, k);
    });
  }
  const n = Math.max(1, traders.length);
  let best = 0;
  for (let c = 1; c < candidates.length; c++) if (sums[c]! / n > sums[best]! / n + 1e-9) best = c;
  let bestSingle: { name: string; ndcg: number } | null = null;
  candidates.forEach((w, c) => {
    const used = names.filter((name) => w[name] > 0);
    if (c > 0 && used.length === 1 && (!bestSingle || sums[c]! / n > bestSingle.ndcg)) bestSingle = { name: used[0]!, ndcg: sums[c]! / n };
  });
  return {
    weights: candidates[best]!,
    chosen: best === 0 ? 'default' : 'tuned',
    validation: { traders: traders.length, defaultNdcg: sums[0]! / n, bestNdcg: sums[best]! / n, bestSingle },
  };
}
