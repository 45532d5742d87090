// Per-trader product scoring: resolves the trader (trained, folded-in or cold), computes every
// component over the catalog, routes to the personalized (hybrid) or similarity (cold-start) path,
// and fuses. Used by model.recommend, model.scoreProducts and evaluation.

import {
  categoryMatchScores,
  DEFAULT_COLD_START_WEIGHTS,
  freshness,
  inactivityFactor,
  isColdStart,
  neighborScores,
  similarTraders,
  type Neighbor,
} from './coldstart.ts';
import { contentProfile, contentScores, type WeightedProduct } from './content.ts';
import { COMMITMENT_KINDS, preferenceVector, quantityFactor } from './features.ts';
import {
  DEFAULT_HYBRID_WEIGHTS,
  fusedCandidate,
  fuseScores,
  minMaxNormalize,
  normalizeWeights,
  type ComponentValues,
  type ComponentWeights,
  type FusedCandidate,
  type Fusion,
} from './hybrid.ts';
import { itemKnnScores } from './itemknn.ts';
import { nearestCentroid } from './kmeans.ts';
import { foldIn, matrixRows, predictRow } from './nmf.ts';
import { csrFromVectors, rowOf, type CsrMatrix, type SparseVector } from './sparse.ts';
import { transformTfidf } from './tfidf.ts';
import { decay, toMillis } from './time.ts';
import type { TrainedModel } from './trained-model.ts';
import type { ColdStartWeights, HybridWeights, Product, Timestamp, TraderContext, TraderProfile } from './types.ts';

export interface ScoringOptions {
  /** Reference time for decay, freshness and inactivity; the model's data time by default. */
  now?: Timestamp;
  hybridWeights?: Partial<HybridWeights>;
  coldStartWeights?: Partial<ColdStartWeights>;
  /** Products the model was not trained on (e.g. listed since): scored from content and freshness. */
  products?: Product[];
  /** false: no weight moves to popular signals for traders who have been away (to measure without it). */
  inactivityShift?: boolean;
}

/** The model's products plus any extra ones given with the request. */
export interface Catalog {
  size: number;
  /** Indices below this are the model's own products. */
  modelSize: number;
  ids: string[];
  names: string[];
  categories: string[];
  unitPrices: ArrayLike<number>;
  currencies: string[];
  createdAt: ArrayLike<number>;
  typicalQuantity: ArrayLike<number>;
  vectors: SparseVector[];
  /** The same vectors as the rows of one matrix. */
  matrix: CsrMatrix;
  index: Map<string, number>;
  /** Every catalog index in order (0 … size − 1): the candidates when scoring the whole catalog. */
  all: readonly number[];
}

// Per list of extra products, per model: serving passes the same list (the open groups' products)
// on every request until the open groups are rebuilt, so the extended catalog is built once.
const extendedCatalogs = new WeakMap<readonly Product[], WeakMap<TrainedModel, Catalog>>();

/** The model's products plus the ones in `extra` it was not trained on. */
export function buildCatalog(model: TrainedModel, extra: readonly Product[] = []): Catalog {
  if (extra.length === 0) return extendCatalog(model, []);
  let byModel = extendedCatalogs.get(extra);
  if (!byModel) extendedCatalogs.set(extra, (byModel = new WeakMap()));
  let catalog = byModel.get(model);
  if (!catalog) byModel.set(model, (catalog = extendCatalog(model, extra)));
  return catalog;
}

function extendCatalog(model: TrainedModel, extra: readonly Product[]): Catalog {
  const p = model.products;
  const fresh = extra.filter((x) => !model.derived.productIndex.has(x.id));
  if (fresh.length === 0) {
    return {
      size: p.ids.length,
      modelSize: p.ids.length,
      ids: p.ids,
      names: p.names,
      categories: p.categories,
      unitPrices: p.unitPrices,
      currencies: p.currencies,
      createdAt: p.createdAt,
      typicalQuantity: p.typicalQuantity,
      vectors: model.tfidf.vectors,
      matrix: model.derived.tfidfMatrix,
      index: model.derived.productIndex,
      all: model.derived.productOrder,
    };
  }
  const ids = [...p.ids, ...fresh.map((x) => x.id)];
  const vectors = [...model.tfidf.vectors, ...fresh.map((x) => transformTfidf(model.tfidf, x))];
  const index = new Map(model.derived.productIndex);
  fresh.forEach((x, i) => index.set(x.id, p.ids.length + i));
  return {
    size: ids.length,
    modelSize: p.ids.length,
    ids,
    names: [...p.names, ...fresh.map((x) => x.name)],
    categories: [...p.categories, ...fresh.map((x) => x.category)],
    unitPrices: Float64Array.from([...p.unitPrices, ...fresh.map((x) => x.unitPrice)]),
    currencies: [...p.currencies, ...fresh.map((x) => x.currency ?? 'USD')],
    createdAt: Float64Array.from([...p.createdAt, ...fresh.map((x) => toMillis(x.createdAt))]),
    typicalQuantity: Float64Array.from([...p.typicalQuantity, ...fresh.map(() => Number.NaN)]),
    vectors,
    matrix: csrFromVectors(vectors, model.tfidf.vocabulary.length),
    index,
    all: Array.from({ length: ids.length }, (_, j) => j),
  };
}

export interface ResolvedTrader {
  /** Row in the model, null for a trader it was not trained on. */
  index: number | null;
  id: string | null;
  profile: TraderProfile;
  /** Decayed, kind-weighted interaction weight per catalog product. */
  history: WeightedProduct[];
  /** Catalog products the trader joined or paid for, with their median quantity (NaN unknown). */
  joined: Map<number, number>;
  lastActiveAt: number;
  /** Latent factors, null when the trader has no usable history. */
  cfVector: Float64Array | null;
  cluster: number;
  cold: boolean;
}

function cfValue(model: TrainedModel, v: number): number {
  return model.params.nmf.valueTransform === 'log1p' ? Math.log1p(v) : v;
}

export function resolveTrader(model: TrainedModel, ctx: TraderContext, catalog: Catalog, now: number): ResolvedTrader {
  const index = ctx.traderId !== undefined ? (model.derived.traderIndex.get(ctx.traderId) ?? null) : null;
  const profile = ctx.profile ?? (index !== null ? model.traders.profiles[index] : undefined);
  if (!profile) throw new Error(`trader ${ctx.traderId ?? '(no id)'} is not in the model: pass a profile for cold start`);
  const p = model.params;
  const weights = new Map<number, number>();
  const joined = new Map<number, number>();
  let lastActiveAt = Number.NaN;
  if (index !== null) {
    const scale = decay(now - model.now, p.halfLifeDays);
    const row = rowOf(model.interactions, index);
    for (let q = 0; q < row.indices.length; q++) weights.set(row.indices[q]!, row.values[q]! * scale);
    const jr = rowOf(model.joined, index);
    for (let q = 0; q < jr.indices.length; q++) joined.set(jr.indices[q]!, jr.values[q]! > 0 ? jr.values[q]! : Number.NaN);
    lastActiveAt = model.traders.lastActiveAt[index] ?? Number.NaN;
  }
  const recent = ctx.recentInteractions ?? [];
  for (const it of recent) {
    const j = catalog.index.get(it.productId);
    const w = p.interactionWeights[it.kind];
    const at = toMillis(it.at);
    if (j === undefined || !(w > 0) || at > now) continue;
    const units = COMMITMENT_KINDS.has(it.kind) && it.quantity !== undefined ? it.quantity : 0;
    weights.set(j, (weights.get(j) ?? 0) + w * quantityFactor(units) * decay(now - at, p.halfLifeDays));
    if (COMMITMENT_KINDS.has(it.kind)) joined.set(j, it.quantity && it.quantity > 0 ? it.quantity : (joined.get(j) ?? Number.NaN));
    if (!(at <= lastActiveAt)) lastActiveAt = at;
  }
  const history = [...weights.entries()].map(([product, weight]) => ({ product, weight }));

  let cfVector: Float64Array | null = null;
  const trained = index !== null ? matrixRows(model.cf.userFactors)[index] : undefined;
  if (trained && recent.length === 0) {
    cfVector = trained;
  } else {
    const entries = history.filter((h) => h.product < catalog.modelSize).sort((a, b) => a.product - b.product);
    if (entries.length > 0) {
      cfVector = foldIn(
        {
          indices: Int32Array.from(entries, (e) => e.product),
          values: Float64Array.from(entries, (e) => cfValue(model, e.weight)),
        },
        model.derived.itemFactors,
        {
          regularization: p.nmf.regularization,
          unobservedWeight: p.nmf.unobservedWeight,
          gram: model.derived.itemGram,
          ...(trained ? { initial: trained } : {}),
        },
      );
    }
  }
  if (cfVector && !cfVector.some((x) => x > 0)) cfVector = null;
  const cluster =
    index !== null && !ctx.profile
      ? (model.traders.cluster[index] ?? 0)
      : nearestCentroid(model.clusters.centroids, preferenceVector(model.features, profile));
  return {
    index,
    id: ctx.traderId ?? profile.id ?? null,
    profile,
    history,
    joined,
    lastActiveAt,
    cfVector,
    cluster,
    cold: cfVector === null || isColdStart(history.length, p.coldStart.minInteractions),
  };
}

export interface ScoringSession {
  model: TrainedModel;
  catalog: Catalog;
  trader: ResolvedTrader;
  now: number;
  path: 'personalized' | 'similarity';
  /** "new": no history (cold start); "returning": history, away past the grace period; else "regular". */
  audience: 'new' | 'returning' | 'regular';
  /** Raw component values per catalog product. */
  components: ComponentValues;
  /** Normalized weights actually used (after inactivity adjustment). */
  weights: ComponentWeights;
  inactivity: number;
  /** Weight moved from personal signals to popular ones because the trader has been away. */
  inactivityShift: number;
  freshness: Float64Array;
  neighbors: () => Neighbor[];
}

/** `values` over `size` products, zero past its end; as it is when it already fits (components are only read). */
function extend(values: ArrayLike<number>, size: number): ArrayLike<number> {
  if (values.length === size) return values;
  const out = new Float64Array(size);
  for (let i = 0; i < Math.min(values.length, size); i++) out[i] = values[i] ?? 0;
  return out;
}

export function createSession(model: TrainedModel, ctx: TraderContext, options: ScoringOptions = {}): ScoringSession {
  const now = options.now !== undefined ? toMillis(options.now) : model.now;
  const catalog = buildCatalog(model, options.products);
  const trader = resolveTrader(model, ctx, catalog, now);
  const p = model.params;
  const size = catalog.size;

  let neighborCache: Neighbor[] | null = null;
  const neighbors = () =>
    (neighborCache ??= similarTraders(
      { categories: trader.profile.categories, market: trader.profile.market, joined: new Set(trader.joined.keys()) },
      model.derived.similarity,
      p.coldStart.neighbors,
      trader.index,
    ));

  const profile = contentProfile(
    model.tfidf,
    catalog.vectors,
    trader.history,
    trader.profile.categories,
  );
  const components: ComponentValues = {
    content: contentScores(profile, catalog.matrix),
    itemKnn: itemKnnScores(model.derived.itemNeighbors, trader.history.map((h) => ({ product: h.product, weight: cfValue(model, h.weight) })), size),
    popularity: extend(model.popularity, size),
  };
  const clusterPopularity = () => extend(model.clusters.popularity[trader.cluster] ?? [], size);
  const inactivity =
    options.inactivityShift === false || !p.coldStart.inactivityShift ? 1 : inactivityFactor(trader.lastActiveAt, now, p.coldStart.inactivityGraceDays, p.coldStart.inactivityHalfLifeDays);
  let weights: ComponentWeights;
  let inactivityShift = 0;
  let path: ScoringSession['path'];
  if (!trader.cold && trader.cfVector) {
    path = 'personalized';
    components.cf = extend(predictRow(trader.cfVector, model.derived.itemFactors), size);
    const base = normalizeWeights({ ...DEFAULT_HYBRID_WEIGHTS, ...p.hybrid, ...options.hybridWeights });
    const personal = (base.cf ?? 0) + (base.content ?? 0) + (base.itemKnn ?? 0);
    inactivityShift = (1 - inactivity) * personal;
    weights = {
      cf: (base.cf ?? 0) * inactivity,
      content: (base.content ?? 0) * inactivity,
      itemKnn: (base.itemKnn ?? 0) * inactivity,
      popularity: (base.popularity ?? 0) + inactivityShift / 2,
      cluster: inactivityShift / 2,
    };
    if (inactivityShift > 0) components.cluster = clusterPopularity();
  } else {
    path = 'similarity';
    const base = normalizeWeights({ ...DEFAULT_COLD_START_WEIGHTS, ...p.coldStart.weights, ...options.coldStartWeights });
    inactivityShift = trader.history.length > 0 ? (1 - inactivity) * (base.content ?? 0) : 0;
    weights = { ...base, content: (base.content ?? 0) - inactivityShift, popularity: (base.popularity ?? 0) + inactivityShift };
    components.category = categoryMatchScores(catalog.categories, trader.profile.categories);
    components.cluster = clusterPopularity();
    components.neighbors = extend(neighborScores(neighbors(), model.joined, catalog.modelSize), size);
  }
  const audience = trader.history.length === 0 ? 'new' : inactivity < 1 ? 'returning' : 'regular';
  return {
    model,
    catalog,
    trader,
    now,
    path,
    audience,
    components,
    weights,
    inactivity,
    inactivityShift,
    freshness: freshness(catalog.createdAt, now, p.coldStart.newProductDays),
    neighbors,
  };
}

export interface ScoredProduct extends FusedCandidate {
  /** Catalog index. */
  product: number;
}

/** Scores of candidates (catalog indices) as arrays; detail one of them with scoredProduct(). */
export interface CandidateScores extends Fusion {
  candidates: readonly number[];
  /** Freshness × normalized content similarity: the new-product signal. */
  newProduct: Float64Array;
  newProductBonus: number;
  freshness: ArrayLike<number>;
}

/**
 * Fuses the components over the given candidates: min-max normalized per trader over these
 * candidates, weighted, plus the new-product bonus (freshness × content similarity).
 */
export function scoreCandidateArrays(session: ScoringSession, candidates: readonly number[], options: { newProductBonus?: boolean } = {}): CandidateScores {
  const fusion = fuseScores(session.components, session.weights, candidates);
  // The fusion has normalized content already whenever it carries weight.
  const content = fusion.normalized.get('content') ?? minMaxNormalize(session.components.content ?? [], candidates);
  const bonus = options.newProductBonus === false ? 0 : session.model.params.coldStart.newProductBonus;
  const newProduct = new Float64Array(candidates.length);
  if (bonus > 0) {
    for (let i = 0; i < candidates.length; i++) {
      const fresh = session.freshness[candidates[i]!] ?? 0;
      if (fresh > 0) {
        newProduct[i] = fresh * content[i]!;
        fusion.scores[i]! += bonus * newProduct[i]!;
      }
    }
  }
  return { ...fusion, candidates, newProduct, newProductBonus: bonus, freshness: session.freshness };
}

/** The i-th candidate with its contributions and signals. */
export function scoredProduct(scores: CandidateScores, i: number): ScoredProduct {
  const f = fusedCandidate(scores, i);
  if (scores.newProductBonus > 0 && (scores.freshness[scores.candidates[i]!] ?? 0) > 0) {
    f.signals.newProduct = scores.newProduct[i]!;
    f.contributions.newProduct = scores.newProductBonus * scores.newProduct[i]!;
  }
  return { product: scores.candidates[i]!, ...f };
}

/** scoreCandidateArrays with every candidate's detail, in candidate order. */
export function scoreCandidates(session: ScoringSession, candidates: readonly number[]): ScoredProduct[] {
  const scores = scoreCandidateArrays(session, candidates);
  return candidates.map((_, i) => scoredProduct(scores, i));
}
