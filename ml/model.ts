// Training, persistence and serving: train() builds every part of the model, serialize()/deserialize()
// turn it into a JSON-able object and back, recommend() ranks groups for a trader and
// scoreProducts() ranks products.

import { decodeCsr, decodeF64, decodeI32, decodeMatrix, encodeCsr, encodeF64, encodeI32, encodeMatrix, type EncodedArray, type EncodedCsr, type EncodedMatrix } from './codec.ts';
import { DEFAULT_COLD_START_WEIGHTS } from './coldstart.ts';
import { diversify, topByScore } from './diversity.ts';
import { evaluateModel, temporalSplit, tuneColdStartWeights, tuneWeights, type ColdStartTuning, type WeightTuning } from './evaluate.ts';
import { fallbackReason, productReasons, type Reason } from './explain.ts';
import {
  behaviourAsOf,
  buildFeatureSpec,
  buildIndex,
  buildInteractionMatrices,
  DEFAULT_FEATURE_WEIGHTS,
  DEFAULT_INTERACTION_WEIGHTS,
  median,
  preferenceVector,
  type FeatureSpec,
} from './features.ts';
import {
  countParticipants,
  DEFAULT_GROUP_WEIGHTS,
  groupEligibility,
  groupFactor,
  groupReasons,
  groupSignals,
  groupTable,
  SIGNAL_SLOTS,
  writeGroupSignals,
  type GroupTraderFacts,
} from './groups.ts';
import { DEFAULT_HYBRID_WEIGHTS } from './hybrid.ts';
import { chooseK, distinctCount, kMeans, sampledSilhouetteScore } from './kmeans.ts';
import { Rng } from './random.ts';
import { nmf } from './nmf.ts';
import { decayedPopularity } from './popularity.ts';
import { createSession, scoreCandidateArrays, scoreCandidates, scoredProduct, type ScoringOptions, type ScoringSession } from './scoring.ts';
import { mapValues, rowOf, sparseDot, transpose } from './sparse.ts';
import { DEFAULT_FIELD_WEIGHTS, fitTfidf } from './tfidf.ts';
import { isoOrNull, toMillis } from './time.ts';
import { buildDerived, type ClusterModel, type TrainedModel } from './trained-model.ts';
import type {
  ColdStartWeights,
  ComponentName,
  Dataset,
  EvaluationReport,
  Explanation,
  FusionReport,
  Group,
  HybridWeights,
  GroupWeights,
  MarketCoordinates,
  ModelMetadata,
  ProductScore,
  ProgressCallback,
  ProgressDetail,
  Recommendation,
  ResolvedTrainParams,
  TraderContext,
  TraderProfile,
  TrainingStage,
  TrainParams,
} from './types.ts';

export type { TrainedModel } from './trained-model.ts';

export function resolveParams(params: TrainParams): ResolvedTrainParams {
  if (!params.version) throw new Error('params.version is required');
  const c = params.clustering ?? {};
  const n = params.nmf ?? {};
  const cs = params.coldStart ?? {};
  const ev = params.evaluation;
  return {
    version: params.version,
    tuneFusion: params.tuneFusion ?? true,
    seed: params.seed ?? 42,
    interactionWeights: { ...DEFAULT_INTERACTION_WEIGHTS, ...params.interactionWeights },
    halfLifeDays: params.halfLifeDays ?? 60,
    popularityHalfLifeDays: params.popularityHalfLifeDays ?? 14,
    featureWeights: { ...DEFAULT_FEATURE_WEIGHTS, ...params.featureWeights },
    clustering: {
      k: c.k ?? null,
      kMin: c.kMin ?? 2,
      kMax: c.kMax ?? 8,
      silhouetteSampleSize: c.silhouetteSampleSize ?? 1000,
      minSilhouette: c.minSilhouette ?? 0.05,
      maxIterations: c.maxIterations ?? 100,
    },
    nmf: {
      rank: n.rank ?? 16,
      maxIterations: n.maxIterations ?? 200,
      tolerance: n.tolerance ?? 1e-4,
      regularization: n.regularization ?? 0.01,
      unobservedWeight: n.unobservedWeight ?? 1,
      valueTransform: n.valueTransform ?? 'log1p',
    },
    tfidf: {
      fieldWeights: { ...DEFAULT_FIELD_WEIGHTS, ...params.tfidf?.fieldWeights },
      minDf: params.tfidf?.minDf ?? 1,
    },
    hybrid: { ...DEFAULT_HYBRID_WEIGHTS, ...params.hybrid },
    coldStart: {
      weights: { ...DEFAULT_COLD_START_WEIGHTS, ...cs.weights },
      minInteractions: cs.minInteractions ?? 3,
      neighbors: cs.neighbors ?? 50,
      newProductDays: cs.newProductDays ?? 14,
      newProductBonus: cs.newProductBonus ?? 0.15,
      inactivityGraceDays: cs.inactivityGraceDays ?? 30,
      inactivityHalfLifeDays: cs.inactivityHalfLifeDays ?? 60,
      inactivityShift: cs.inactivityShift ?? true,
    },
    evaluation:
      ev === false
        ? false
        : {
            holdoutFraction: ev?.holdoutFraction ?? 0.2,
            cutoff: ev?.cutoff !== undefined ? toMillis(ev.cutoff) : null,
            k: ev?.k ?? 10,
            maxTraders: ev?.maxTraders ?? 1000,
          },
  };
}

/** Overall progress at the start of each stage; the stage ends where the next begins. */
const STAGE_SPAN: Record<TrainingStage, [number, number]> = {
  features: [0, 0.1],
  clustering: [0.1, 0.25],
  cf: [0.25, 0.7],
  content: [0.7, 0.75],
  popularity: [0.75, 0.8],
  evaluation: [0.8, 1],
};

export function train(dataset: Dataset, params: TrainParams, onProgress?: ProgressCallback): TrainedModel {
  const p = resolveParams(params);
  const now = toMillis(dataset.now);
  const timings: Partial<Record<TrainingStage, number>> = {};
  const report = (stage: TrainingStage, within: number, detail: ProgressDetail) => {
    const [a, b] = STAGE_SPAN[stage];
    onProgress?.(stage, a + (b - a) * Math.min(1, Math.max(0, within)), detail);
  };
  const timed = <T>(stage: TrainingStage, f: () => T): T => {
    const t0 = performance.now();
    const out = f();
    timings[stage] = (timings[stage] ?? 0) + performance.now() - t0;
    return out;
  };

  // 1. Features: indexes, the sparse interaction matrix, preference vectors.
  report('features', 0, { message: 'building the interaction matrix' });
  const features = timed('features', () => {
    const traderIds = dataset.traders.map((t) => t.id);
    const productIds = dataset.products.map((x) => x.id);
    const traderIndex = buildIndex(traderIds);
    const productIndex = buildIndex(productIds);
    const mats = buildInteractionMatrices(dataset.interactions, traderIndex, productIndex, {
      weights: p.interactionWeights,
      halfLifeDays: p.halfLifeDays,
      now,
    });
    const snapshot = behaviourAsOf(dataset.behaviour, now);
    const behaviour = snapshot?.traders ?? {};
    const spec = buildFeatureSpec(dataset.traders, dataset.products.map((x) => x.category), p.featureWeights, Object.values(behaviour));
    const profiles: TraderProfile[] = dataset.traders.map((t) => ({
      market: t.market,
      categories: [...t.categories],
      budgetMin: t.budgetMin,
      budgetMax: t.budgetMax,
      currency: t.currency ?? 'USD',
      groupSizes: [...t.groupSizes],
      frequency: t.frequency,
      behaviour: behaviour[t.id],
    }));
    const vectors = profiles.map((t) => preferenceVector(spec, t));
    // Median committed quantity per product, over traders who gave one.
    const byProduct = transpose(mats.joined);
    const typicalQuantity = new Float64Array(productIds.length);
    for (let j = 0; j < productIds.length; j++) {
      const q = [...rowOf(byProduct, j).values].filter((v) => v > 0);
      typicalQuantity[j] = median(q);
    }
    return { traderIds, productIds, mats, spec, profiles, vectors, typicalQuantity, snapshot };
  });
  report('features', 1, {
    message: 'features ready',
    traders: features.traderIds.length,
    products: features.productIds.length,
    nonzeros: features.mats.matrix.indices.length,
    interactionsUsed: features.mats.used,
    interactionsIgnored: features.mats.ignored,
  });

  // 2. Clustering of preference vectors, K by silhouette.
  report('clustering', 0, { message: 'clustering traders' });
  const clusters = timed('clustering', () => clusterTraders(features.vectors, features.profiles, features.mats.matrix, p, report));
  report('clustering', 1, { message: clusters.skipped ?? `k = ${clusters.k}`, k: clusters.k, silhouette: clusters.silhouette, skipped: clusters.skipped });

  // 3. Collaborative filtering: sparse NMF.
  report('cf', 0, { message: 'factorizing the interaction matrix' });
  const cf = timed('cf', () => {
    const R = p.nmf.valueTransform === 'log1p' ? mapValues(features.mats.matrix, Math.log1p) : features.mats.matrix;
    return nmf(R, {
      rank: p.nmf.rank,
      maxIterations: p.nmf.maxIterations,
      tolerance: p.nmf.tolerance,
      regularization: p.nmf.regularization,
      unobservedWeight: p.nmf.unobservedWeight,
      seed: p.seed,
      onIteration: (it, loss) =>
        report('cf', it / p.nmf.maxIterations, { message: `iteration ${it}: loss ${loss.toPrecision(6)}`, iteration: it, loss }),
    });
  });
  report('cf', 1, {
    message: cf.converged ? `converged after ${cf.iterations} iterations` : `stopped after ${cf.iterations} iterations`,
    iterations: cf.iterations,
    converged: cf.converged,
    loss: cf.finalLoss.total,
  });

  // 4. Content: TF-IDF of products.
  report('content', 0, { message: 'TF-IDF of products' });
  const tfidf = timed('content', () => fitTfidf(dataset.products, p.tfidf));
  report('content', 1, { message: `${tfidf.vocabulary.length} terms`, terms: tfidf.vocabulary.length });

  // 5. Popularity.
  report('popularity', 0, { message: 'recent popularity' });
  const popularity = timed('popularity', () => {
    const productIndex = buildIndex(features.productIds);
    return decayedPopularity(dataset.interactions, productIndex, {
      weights: p.interactionWeights,
      halfLifeDays: p.popularityHalfLifeDays,
      now,
    });
  });
  report('popularity', 1, { message: 'popularity ready' });

  const meta: ModelMetadata = {
    version: p.version,
    trainedAt: new Date().toISOString(),
    parameters: p,
    dataWindow: {
      from: isoOrNull(features.mats.firstAt),
      to: new Date(now).toISOString(),
      interactionsUsed: features.mats.used,
      interactionsIgnored: features.mats.ignored,
    },
    counts: {
      traders: features.traderIds.length,
      products: features.productIds.length,
      nonzeros: features.mats.matrix.indices.length,
    },
    metrics: {
      clustering: {
        k: clusters.k,
        silhouette: clusters.silhouette,
        silhouetteSampled: clusters.sampled,
        scores: clusters.scores,
        sizes: clusters.sizes,
        search: clusters.search,
        skipped: clusters.skipped,
      },
      cf: {
        rank: cf.rank,
        iterations: cf.iterations,
        converged: cf.converged,
        tolerance: p.nmf.tolerance,
        initialLoss: cf.lossHistory[0] ?? 0,
        finalLoss: cf.finalLoss.total,
        lossHistory: cf.lossHistory,
      },
      behaviour: {
        asOf: features.snapshot ? new Date(toMillis(features.snapshot.at)).toISOString() : null,
        traders: features.snapshot ? Object.keys(features.snapshot.traders).length : 0,
        holdoutAsOf: null,
      },
      holdout: null,
      fusion: null,
      timingsMs: timings,
    },
  };
  const base: Omit<TrainedModel, 'derived'> = {
    meta,
    params: p,
    now,
    traders: {
      ids: features.traderIds,
      profiles: features.profiles,
      createdAt: Float64Array.from(dataset.traders, (t) => toMillis(t.createdAt)),
      lastActiveAt: features.mats.lastActiveAt,
      cluster: Int32Array.from(clusters.assignments),
    },
    products: {
      ids: features.productIds,
      names: dataset.products.map((x) => x.name),
      categories: dataset.products.map((x) => x.category),
      unitPrices: Float64Array.from(dataset.products, (x) => x.unitPrice),
      currencies: dataset.products.map((x) => x.currency ?? 'USD'),
      createdAt: Float64Array.from(dataset.products, (x) => toMillis(x.createdAt)),
      typicalQuantity: features.typicalQuantity,
    },
    interactions: features.mats.matrix,
    joined: features.mats.joined,
    features: features.spec,
    clusters: clusters.model,
    cf: { userFactors: cf.userFactors, itemFactors: cf.itemFactors },
    tfidf,
    popularity,
  };
  const model: TrainedModel = { ...base, derived: buildDerived(base) };

  // 6. Evaluation on a temporal hold-out (test: the latest interactions), with the fusion weights
  // tuned on a validation split before it: models trained on the earlier interactions each time.
  if (p.evaluation) {
    const ev = p.evaluation;
    report('evaluation', 0, { message: 'temporal hold-out' });
    const t0 = performance.now();
    const split = temporalSplit(dataset, ev.cutoff !== null ? { cutoff: ev.cutoff } : { holdoutFraction: ev.holdoutFraction });
    if (split.trainInteractions > 0 && split.test.size > 0) {
      const earlier = { ...params, evaluation: false as const, clustering: { ...params.clustering, k: clusters.k } };
      const evalOptions = { k: ev.k, maxTraders: ev.maxTraders, seed: p.seed };
      // Validation: the latest 20% of what lies before the test cutoff.
      const validation = temporalSplit(split.train, { holdoutFraction: ev.holdoutFraction });
      let tuning: WeightTuning | null = null;
      let coldTuning: ColdStartTuning | null = null;
      if (p.tuneFusion && validation.trainInteractions > 0 && validation.test.size > 0) {
        const validationModel = train(validation.train, earlier, (stage, progress) => report('evaluation', 0.4 * progress, { message: `validation model: ${stage}` }));
        report('evaluation', 0.4, { message: 'tuning the fusion weights on the validation split' });
        // 400 traders are enough to rank weightings and keep the search to seconds at 10,000 traders.
        const tuneOptions = { ...evalOptions, maxTraders: Math.min(ev.maxTraders, 400) };
        tuning = tuneWeights(validationModel, validation, p.hybrid, tuneOptions);
        coldTuning = tuneColdStartWeights(validationModel, validation, p.coldStart.weights, tuning.inactivityShift, tuneOptions);
      }
      const weights = tuning?.weights ?? p.hybrid;
      const inactivityShift = tuning?.inactivityShift ?? p.coldStart.inactivityShift;
      const coldWeights = coldTuning?.weights ?? p.coldStart.weights;
      const holdoutModel = train(split.train, { ...earlier, hybrid: weights, coldStart: { ...params.coldStart, inactivityShift, weights: coldWeights } }, (stage, progress) =>
        report('evaluation', 0.45 + 0.45 * progress, { message: `hold-out model: ${stage}` }),
      );
      report('evaluation', 0.9, { message: 'ranking held-out traders' });
      const { lists: _lists, ...holdout } = evaluateModel(holdoutModel, split, evalOptions);
      meta.metrics.holdout = holdout;
      meta.metrics.behaviour.holdoutAsOf = holdoutModel.meta.metrics.behaviour.asOf;
      meta.metrics.fusion = fusionReport(holdout, { weights, inactivityShift, tuning }, { weights: coldWeights, tuning: coldTuning }, p.coldStart.minInteractions);
      // The model serves the weights chosen before the test split was looked at.
      p.hybrid = { ...weights };
      p.coldStart.inactivityShift = inactivityShift;
      p.coldStart.weights = { ...coldWeights };
    }
    timings.evaluation = performance.now() - t0;
    const h = meta.metrics.holdout;
    report('evaluation', 1, {
      message: h ? `hybrid NDCG@${h.k} ${h.components.hybrid.ndcg.toFixed(3)} vs popularity ${h.components.popularity.ndcg.toFixed(3)}` : 'not enough data to hold out',
      ...(h ? { hybridNdcg: h.components.hybrid.ndcg, popularityNdcg: h.components.popularity.ndcg } : {}),
    });
  } else {
    report('evaluation', 1, { message: 'evaluation skipped', skipped: true });
  }
  return model;
}

/**
 * How the weights were chosen, and what the hold-out says of the hybrid against its best part; when
 * it falls short, where: each path's traders, its weights, and the hybrid against the best single
 * ranker over those traders.
 */
function fusionReport(
  h: EvaluationReport,
  { weights, inactivityShift, tuning }: { weights: HybridWeights; inactivityShift: boolean; tuning: WeightTuning | null },
  cold: { weights: ColdStartWeights; tuning: ColdStartTuning | null },
  minInteractions: number,
): FusionReport {
  const coldTuning = cold.tuning;
  const names = ['cf', 'content', 'itemKnn', 'popularity'] as const;
  const bestOf = (ndcg: (name: (typeof names)[number]) => number) =>
    names.map((name) => ({ name, ndcg: ndcg(name) })).reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const best = bestOf((name) => h.components[name].ndcg);
  const hybrid = h.components.hybrid.ndcg;
  const listed = (w: object) =>
    Object.entries(w)
      .filter(([, v]) => v > 0)
      .map(([n, v]) => `${n} ${(v as number).toFixed(2)}`)
      .join(', ');
  const w = listed(weights) + (inactivityShift ? '' : ', no shift to popular for returning traders');
  const how = tuning ? (tuning.chosen === 'default' ? 'the weights it started from held on the validation split' : `tuned on the validation split (NDCG@${h.k} ${tuning.validation.bestNdcg.toFixed(3)} vs the starting weights' ${tuning.validation.defaultNdcg.toFixed(3)})`) : 'no validation split: the given weights';
  let verdict: string;
  if (hybrid >= best.ndcg - 1e-9) {
    verdict = `the hybrid (${w}; ${how}) is at least as good as its best component on the hold-out: NDCG@${h.k} ${hybrid.toFixed(3)} vs ${best.name} ${best.ndcg.toFixed(3)}`;
  } else {
    const path = (name: 'personalized' | 'similarity', who: string, served: string) => {
      const p = h.byPath[name];
      if (p.traders === 0) return null;
      const top = bestOf((n) => p.ndcg[n]);
      return `${name} path (${p.traders} ${who}; ${served}): ${p.ndcg.hybrid.toFixed(3)} vs ${top.name} ${top.ndcg.toFixed(3)}`;
    };
    const cv = coldTuning?.validation;
    const there = cv ? ` (${cv.bestNdcg.toFixed(3)} there${cv.bestSingle ? ` against ${cv.bestSingle.name} alone's ${cv.bestSingle.ndcg.toFixed(3)}` : ''})` : '';
    const coldHow = !coldTuning ? 'the given weights' : `${coldTuning.chosen === 'default' ? 'the weights it started from held on' : 'tuned on'} the validation split${there}`;
    const paths = [
      path('personalized', 'traders', `${w}; ${how}`),
      path('similarity', `traders new or with fewer than ${minInteractions} products`, `${listed(cold.weights)}, ${coldHow}`),
    ].filter(Boolean);
    // A shortfall below the third decimal is shown in the fourth, not as "0.119 vs 0.119".
    const digits = hybrid.toFixed(3) === best.ndcg.toFixed(3) ? 4 : 3;
    verdict =
      `the hybrid falls short of ${best.name} alone on the hold-out: NDCG@${h.k} ${hybrid.toFixed(digits)} vs ${best.ndcg.toFixed(digits)}. By path: ${paths.join('; ')}. ` +
      'The weights were chosen on the validation split before the hold-out was looked at: where a path falls short, the weights that won that earlier period lose to a single ranker on the later one.';
  }
  return { weights, inactivityShift, coldStart: coldTuning, chosen: tuning?.chosen ?? 'default', validation: tuning?.validation ?? null, bestComponent: best, verdict };
}

function clusterTraders(
  vectors: number[][],
  profiles: TraderProfile[],
  matrix: TrainedModel['interactions'],
  p: ResolvedTrainParams,
  report: (stage: TrainingStage, within: number, detail: ProgressDetail) => void,
): ClusterModel & { assignments: number[]; model: ClusterModel; search: 'all' | 'sample' | 'fixed'; skipped: string | null } {
  const opts = { seed: p.seed, maxIterations: p.clustering.maxIterations };
  const { silhouetteSampleSize: sampleSize, minSilhouette } = p.clustering;
  let result: { assignments: number[]; centroids: number[][]; sizes: number[]; k: number };
  let silhouette = 0;
  let scores: { k: number; silhouette: number }[] = [];
  const sampled = vectors.length > sampleSize;
  let search: 'all' | 'sample' | 'fixed' = 'all';
  let skipped: string | null = null;
  if (vectors.length === 0) {
    result = { assignments: [], centroids: [new Array(0).fill(0)], sizes: [0], k: 1 };
  } else if (p.clustering.k !== null) {
    search = 'fixed';
    result = kMeans(vectors, Math.min(p.clustering.k, distinctCount(vectors, p.clustering.k)), opts);
    silhouette = sampledSilhouetteScore(vectors, result.assignments, sampleSize, p.seed);
    scores = [{ k: result.k, silhouette }];
  } else {
    // K is searched on a seeded sample when there are many traders: the silhouette is computed on a
    // sample anyway, and seven k-means runs over everyone cost most of the training time. Everyone is
    // clustered once, at the K found, and not at all when the search found no structure.
    search = sampled ? 'sample' : 'all';
    const searched = sampled ? new Rng(p.seed).sampleIndices(vectors.length, sampleSize).map((i) => vectors[i]!) : vectors;
    const chosen = chooseK(searched, {
      ...opts,
      kMin: p.clustering.kMin,
      kMax: p.clustering.kMax,
      sampleSize,
      onStep: (k, s, done, total) => report('clustering', (0.8 * done) / total, { message: `k = ${k}: silhouette ${s.toFixed(3)}`, k, silhouette: s }),
    });
    scores = chosen.scores;
    if (chosen.scores.length > 0 && chosen.silhouette < minSilhouette) {
      skipped = `best silhouette ${chosen.silhouette.toFixed(3)} < ${minSilhouette} (K = ${chosen.best.k}${sampled ? `, on a sample of ${sampleSize}` : ''}): the vectors have no segments to find, so one segment`;
      result = kMeans(vectors, 1, opts);
      silhouette = 0;
    } else if (sampled) {
      result = kMeans(vectors, chosen.best.k, opts);
      silhouette = sampledSilhouetteScore(vectors, result.assignments, sampleSize, p.seed);
    } else {
      result = chosen.best;
      silhouette = chosen.silhouette;
    }
  }
  const k = result.k;
  const m = matrix.cols;
  const popularity = Array.from({ length: k }, () => new Float64Array(m));
  const marketCounts = Array.from({ length: k }, () => new Map<string, number>());
  const categoryCounts = Array.from({ length: k }, () => new Map<string, number>());
  result.assignments.forEach((c, t) => {
    const row = rowOf(matrix, t);
    const pop = popularity[c]!;
    for (let q = 0; q < row.indices.length; q++) pop[row.indices[q]!]! += row.values[q]!;
    const profile = profiles[t]!;
    marketCounts[c]!.set(profile.market, (marketCounts[c]!.get(profile.market) ?? 0) + 1);
    for (const cat of profile.categories) categoryCounts[c]!.set(cat, (categoryCounts[c]!.get(cat) ?? 0) + 1);
  });
  popularity.forEach((pop, c) => {
    const size = result.sizes[c] ?? 0;
    if (size > 0) for (let j = 0; j < m; j++) pop[j]! /= size;
  });
  const dominant = (counts: Map<string, number>, size: number): string | null => {
    let best: string | null = null;
    let bestCount = 0;
    for (const [key, n] of [...counts.entries()].sort()) {
      if (n > bestCount) {
        best = key;
        bestCount = n;
      }
    }
    return size > 0 && bestCount / size >= 0.5 ? best : null;
  };
  const labels = result.sizes.map((size, c) => ({
    market: dominant(marketCounts[c]!, size),
    category: dominant(categoryCounts[c]!, size),
  }));
  const model: ClusterModel = { k, centroids: result.centroids, sizes: result.sizes, silhouette, sampled, scores, popularity, labels };
  return { ...model, assignments: result.assignments, model, search, skipped };
}

// ---------------------------------------------------------------------------------------------
// Persistence

export const MODEL_FORMAT = 'connectsphere.recommender';
export const MODEL_FORMAT_VERSION = 1;

export interface SerializedModel {
  format: typeof MODEL_FORMAT;
  formatVersion: typeof MODEL_FORMAT_VERSION;
  meta: ModelMetadata;
  params: ResolvedTrainParams;
  now: number;
  traders: { ids: string[]; profiles: TraderProfile[]; createdAt: EncodedArray; lastActiveAt: EncodedArray; cluster: EncodedArray };
  products: {
    ids: string[];
    names: string[];
    categories: string[];
    unitPrices: EncodedArray;
    currencies: string[];
    createdAt: EncodedArray;
    typicalQuantity: EncodedArray;
  };
  interactions: EncodedCsr;
  joined: EncodedCsr;
  features: FeatureSpec;
  clusters: Omit<ClusterModel, 'popularity'> & { popularity: EncodedArray[] };
  cf: { userFactors: EncodedMatrix; itemFactors: EncodedMatrix };
  tfidf: { vocabulary: string[]; idf: EncodedArray; fieldWeights: TrainedModel['tfidf']['fieldWeights']; vectors: EncodedCsr };
  popularity: EncodedArray;
}

/** A JSON-able snapshot of the model (JSON.stringify it to store; numbers round-trip exactly). */
export function serialize(model: TrainedModel): SerializedModel {
  const vectors = model.tfidf.vectors;
  const indptr = new Int32Array(vectors.length + 1);
  vectors.forEach((v, j) => (indptr[j + 1] = indptr[j]! + v.indices.length));
  const indices = new Int32Array(indptr[vectors.length]!);
  const values = new Float64Array(indices.length);
  vectors.forEach((v, j) => {
    indices.set(v.indices, indptr[j]!);
    values.set(v.values, indptr[j]!);
  });
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    meta: structuredClone(model.meta),
    params: structuredClone(model.params),
    now: model.now,
    traders: {
      ids: model.traders.ids,
      profiles: model.traders.profiles,
      createdAt: encodeF64(model.traders.createdAt),
      lastActiveAt: encodeF64(model.traders.lastActiveAt),
      cluster: encodeI32(model.traders.cluster),
    },
    products: {
      ids: model.products.ids,
      names: model.products.names,
      categories: model.products.categories,
      unitPrices: encodeF64(model.products.unitPrices),
      currencies: model.products.currencies,
      createdAt: encodeF64(model.products.createdAt),
      typicalQuantity: encodeF64(model.products.typicalQuantity),
    },
    interactions: encodeCsr(model.interactions),
    joined: encodeCsr(model.joined),
    features: model.features,
    clusters: { ...model.clusters, popularity: model.clusters.popularity.map(encodeF64) },
    cf: { userFactors: encodeMatrix(model.cf.userFactors), itemFactors: encodeMatrix(model.cf.itemFactors) },
    tfidf: {
      vocabulary: model.tfidf.vocabulary,
      idf: encodeF64(model.tfidf.idf),
      fieldWeights: model.tfidf.fieldWeights,
      vectors: { rows: vectors.length, cols: model.tfidf.vocabulary.length, indptr: encodeI32(indptr), indices: encodeI32(indices), values: encodeF64(values) },
    },
    popularity: encodeF64(model.popularity),
  };
}

export function deserialize(obj: unknown): TrainedModel {
  const s = obj as SerializedModel;
  if (!s || s.format !== MODEL_FORMAT) throw new Error('not a ConnectSphere recommender model');
  if (s.formatVersion !== MODEL_FORMAT_VERSION) throw new Error(`unsupported model format version ${String(s.formatVersion)}`);
  const vectors = decodeCsr(s.tfidf.vectors);
  const base: Omit<TrainedModel, 'derived'> = {
    meta: s.meta,
    params: s.params,
    now: s.now,
    traders: {
      ids: s.traders.ids,
      profiles: s.traders.profiles,
      createdAt: decodeF64(s.traders.createdAt),
      lastActiveAt: decodeF64(s.traders.lastActiveAt),
      cluster: decodeI32(s.traders.cluster),
    },
    products: {
      ids: s.products.ids,
      names: s.products.names,
      categories: s.products.categories,
      unitPrices: decodeF64(s.products.unitPrices),
      currencies: s.products.currencies,
      createdAt: decodeF64(s.products.createdAt),
      typicalQuantity: decodeF64(s.products.typicalQuantity),
    },
    interactions: decodeCsr(s.interactions),
    joined: decodeCsr(s.joined),
    features: s.features,
    clusters: { ...s.clusters, popularity: s.clusters.popularity.map(decodeF64) },
    cf: { userFactors: decodeMatrix(s.cf.userFactors), itemFactors: decodeMatrix(s.cf.itemFactors) },
    tfidf: {
      vocabulary: s.tfidf.vocabulary,
      idf: decodeF64(s.tfidf.idf),
      fieldWeights: s.tfidf.fieldWeights,
      vocabIndex: new Map(s.tfidf.vocabulary.map((t, i) => [t, i])),
      vectors: Array.from({ length: vectors.rows }, (_, j) => rowOf(vectors, j)),
    },
    popularity: decodeF64(s.popularity),
  };
  return { ...base, derived: buildDerived(base) };
}

// ---------------------------------------------------------------------------------------------
// Serving

export interface RecommendOptions extends ScoringOptions {
  limit?: number;
  marketCoordinates?: MarketCoordinates;
  groupWeights?: Partial<GroupWeights>;
  /** Distance at which the distance signal falls to 1/e. */
  distanceScaleKm?: number;
  /** Groups closing within this many days count as urgent. */
  urgentDays?: number;
  /** Category cap and MMR re-ranking; on by default. */
  diversity?: boolean | { maxPerCategory?: number; lambda?: number };
  maxReasons?: number;
}

function buildExplanation(
  session: ScoringSession,
  contributions: Explanation['contributions'],
  signals: Explanation['signals'],
  reasons: Reason[],
  product: number | null,
  maxReasons: number,
): Explanation {
  const seen = new Set<string>();
  const sorted = reasons
    .filter((r) => r.weight > 0 || r.component === 'urgency')
    .sort((a, b) => b.weight - a.weight)
    .filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)))
    .slice(0, maxReasons)
    .map((r) => r.text);
  if (sorted.length === 0) sorted.push(product !== null ? fallbackReason(session, product).text : 'open group you can join');
  return { path: session.path, audience: session.audience, contributions, signals, reasons: sorted };
}

/**
 * The groups the diversity re-ranking put out of score order, each with the sentence that says so:
 * one ranked above a higher-scored group was moved up for variety; one ranked below a lower-scored
 * group was held back because its category already had groups above. Budget, distance, urgency and
 * social proof are inside the score, so only diversity can reorder.
 */
export function diversityMoves(order: readonly number[], scores: ArrayLike<number>, category: (i: number) => string): Map<number, string> {
  const moves = new Map<number, string>();
  for (let r = 0; r < order.length; r++) {
    const g = order[r]!;
    const s = scores[g]!;
    const overtaken = order.slice(r + 1).filter((o) => scores[o]! > s).length;
    const passedBy = order.slice(0, r).filter((o) => scores[o]! < s).length;
    if (passedBy > 0) {
      const sameAbove = order.slice(0, r).filter((o) => category(o) === category(g)).length;
      moves.set(g, `ranked below ${passedBy} lower-scored group${passedBy === 1 ? '' : 's'} for variety (diversity): ${sameAbove} ${sameAbove === 1 ? 'group' : 'groups'} of its category already above`);
    } else if (overtaken > 0) {
      moves.set(g, `moved up for variety (diversity): ranked above ${overtaken} higher-scored group${overtaken === 1 ? '' : 's'}`);
    }
  }
  return moves;
}

function toContext(trader: string | TraderProfile | TraderContext): TraderContext {
  if (typeof trader === 'string') return { traderId: trader };
  if ('market' in trader) return { profile: trader, ...(trader.id !== undefined ? { traderId: trader.id } : {}) };
  return trader;
}

/**
 * Ranks the open groups a trader could join. Joined, full, closed and expired groups are never
 * returned. Each recommendation carries component contributions and reasons.
 */
export function recommend(model: TrainedModel, trader: TraderContext, groups: readonly Group[], options: RecommendOptions = {}): Recommendation[] {
  const limit = options.limit ?? 10;
  const session = createSession(model, trader, options);
  const now = session.now;
  const joinedGroupIds = new Set(trader.joinedGroupIds ?? []);
  const traderId = session.trader.id;
  // Positions in `groups` of the ones the trader could join. A trader the model knows is looked
  // up among the participants by index.
  const table = groupTable(model, groups);
  const self = session.trader.index;
  const eligible: number[] = [];
  groups.forEach((g, i) => {
    const participating = self !== null ? table.participants[i]!.includes(self) : undefined;
    if (groupEligibility(g, traderId, joinedGroupIds, now, participating) === 'eligible') eligible.push(i);
  });
  if (eligible.length === 0) return [];

  // Product scores are normalized over the whole catalog for this trader, so a group's score does
  // not depend on which other groups happen to be open. Kept as arrays (catalog index = position):
  // only the groups finally shown get their contributions and reasons spelled out.
  const products = scoreCandidateArrays(session, session.catalog.all);

  const anyParticipants = eligible.some((i) => table.participants[i]!.length > 0);
  const similar = anyParticipants ? new Set(session.neighbors().map((n) => n.trader)) : new Set<number>();
  const { markets, marketId } = model.derived.similarity;
  const market = marketId.get(session.trader.profile.market) ?? -1;
  const weights: GroupWeights = { ...DEFAULT_GROUP_WEIGHTS, ...options.groupWeights };
  const ctx = {
    profile: session.trader.profile,
    now,
    marketCoordinates: options.marketCoordinates ?? {},
    weights,
    distanceScaleKm: options.distanceScaleKm ?? 5,
    urgentDays: options.urgentDays ?? 3,
  };
  /** Units the trader usually takes of catalog product j: their own, else the catalog's, else 1. */
  const typicalQuantity = (j: number | null) => {
    if (j === null) return 1;
    const own = session.trader.joined.get(j);
    if (own !== undefined && own > 0) return own;
    const typical = session.catalog.typicalQuantity[j] ?? Number.NaN;
    return typical > 0 ? Math.round(typical) : 1;
  };

  // score = productScore × (w.product + Σ w_g · signal_g): group facts adjust a product's score up
  // or down but cannot lift an irrelevant product. Kept as numbers by position in `groups`: only
  // the groups finally shown get their signals and facts as objects.
  const productOf = (i: number) => {
    // Model products keep their index in the catalog; only products listed since need a lookup.
    const modelIndex = table.product[i]!;
    return modelIndex >= 0 ? modelIndex : (session.catalog.index.get(groups[i]!.productId) ?? null);
  };
  const known = (i: number, j: number | null): GroupTraderFacts => ({
    typicalQuantity: typicalQuantity(j),
    participants: countParticipants(table.participants[i]!, session.trader.index, market, markets, similar),
  });
  const scores = new Float64Array(groups.length);
  const product = new Int32Array(groups.length).fill(-1);
  const signals = new Float64Array(SIGNAL_SLOTS);
  for (const i of eligible) {
    const j = productOf(i);
    writeGroupSignals(groups[i]!, known(i, j), ctx, signals);
    scores[i] = (j !== null ? products.scores[j]! : 0) * groupFactor(signals, weights);
    product[i] = j ?? -1;
  }
  const score = (i: number) => scores[i]!;

  const div = options.diversity ?? true;
  const chosen = div
    ? diversify(eligible, {
        limit,
        ...(typeof div === 'object' && div.maxPerCategory !== undefined ? { maxPerCategory: div.maxPerCategory } : {}),
        ...(typeof div === 'object' && div.lambda !== undefined ? { lambda: div.lambda } : {}),
        score,
        category: (i) => (product[i]! >= 0 ? (session.catalog.categories[product[i]!] ?? '') : ''),
        similarity: (a, b) => {
          const ja = product[a]!;
          const jb = product[b]!;
          if (ja < 0 || jb < 0) return 0;
          if (ja === jb) return 1;
          const va = session.catalog.vectors[ja];
          const vb = session.catalog.vectors[jb];
          return va && vb ? sparseDot(va, vb) : 0;
        },
      })
    : topByScore(eligible, score, limit);

  const maxReasons = options.maxReasons ?? 4;
  const moved = diversityMoves(chosen, scores, (i) => (product[i]! >= 0 ? (session.catalog.categories[product[i]!] ?? '') : ''));
  return chosen.map((g, rank) => {
    const group = groups[g]!;
    const j = product[g]! >= 0 ? product[g]! : null;
    const gs = groupSignals(group, known(g, j), ctx);
    // The score split into additive contributions: w.product × each product component, and
    // productScore × w_g × signal_g for each group signal.
    const scored = j !== null ? scoredProduct(products, j) : null;
    const productScore = scored?.score ?? 0;
    const contributions: Explanation['contributions'] = {};
    const signals: Explanation['signals'] = {};
    if (scored) {
      for (const [name, c] of Object.entries(scored.contributions) as [ComponentName, number][]) contributions[name] = weights.product * c;
      Object.assign(signals, scored.signals);
    }
    for (const name of ['budget', 'distance', 'urgency', 'social'] as const) {
      contributions[name] = productScore * weights[name] * gs.signals[name];
      signals[name] = gs.signals[name];
    }
    const reasons: Reason[] = [
      ...(scored ? productReasons(session, scored).map((r) => ({ ...r, weight: r.weight * weights.product })) : []),
      ...groupReasons(group, gs, ctx).map((r) => ({ ...r, weight: r.weight * productScore })),
    ];
    // Shown out of score order: the first reason says so (weight above any other reason's).
    const move = moved.get(g);
    if (move) reasons.push({ text: move, weight: Number.POSITIVE_INFINITY, component: 'diversity' });
    return {
      groupId: group.id,
      productId: group.productId,
      rank: rank + 1,
      score: scores[g]!,
      explanation: buildExplanation(session, contributions, signals, reasons, j, maxReasons),
      facts: gs.facts,
    };
  });
}

export interface ScoreProductsOptions extends ScoringOptions {
  /** Return the best `limit` products (all when absent). */
  limit?: number;
  /** Only score these product ids. */
  productIds?: string[];
  /** Leave out products the trader already interacted with. */
  excludeInteracted?: boolean;
  /** Category cap and MMR re-ranking; off by default. */
  diversity?: boolean;
  maxReasons?: number;
}

/** Ranks products for a trader: a trained trader's id, a cold profile, or a full context. */
export function scoreProducts(
  model: TrainedModel,
  trader: string | TraderProfile | TraderContext,
  options: ScoreProductsOptions = {},
): ProductScore[] {
  const session = createSession(model, toContext(trader), options);
  const { catalog } = session;
  let candidates: readonly number[];
  if (options.productIds) {
    candidates = [...new Set(options.productIds.map((id) => catalog.index.get(id)).filter((j): j is number => j !== undefined))].sort((a, b) => a - b);
  } else {
    candidates = catalog.all;
  }
  if (options.excludeInteracted) {
    const seen = new Set(session.trader.history.map((h) => h.product));
    candidates = candidates.filter((j) => !seen.has(j));
  }
  const scored = scoreCandidates(session, candidates);
  const limit = options.limit ?? scored.length;
  const ranked = options.diversity
    ? diversify(scored, {
        limit,
        score: (s) => s.score,
        category: (s) => catalog.categories[s.product] ?? '',
        similarity: (a, b) => sparseDot(catalog.vectors[a.product]!, catalog.vectors[b.product]!),
      })
    : scored.sort((a, b) => b.score - a.score || a.product - b.product).slice(0, limit);
  const maxReasons = options.maxReasons ?? 4;
  return ranked.map((s) => ({
    productId: catalog.ids[s.product]!,
    category: catalog.categories[s.product] ?? '',
    score: s.score,
    explanation: buildExplanation(session, s.contributions, s.signals, productReasons(session, s), s.product, maxReasons),
  }));
}
