// Plain-data shapes the recommender consumes and produces. The API maps its rows into these;
// nothing here knows about HTTP or the database.

/** A point in time: a Date, epoch milliseconds, or an ISO-8601 string. */
export type Timestamp = Date | number | string;

export type InteractionKind = 'paid' | 'join' | 'click' | 'view';

export interface Trader {
  id: string;
  /** Market name, e.g. "Mbare Musika"; looked up in MarketCoordinates for distances. */
  market: string;
  /** Product categories the trader said they buy, e.g. ["cooking-oil", "sugar"]. */
  categories: string[];
  /** Budget per purchase in integer minor units (cents). */
  budgetMin: number;
  budgetMax: number;
  /** ISO currency code of the budget; USD when absent. */
  currency?: string;
  /** Preferred group sizes, e.g. ["small", "medium"]. */
  groupSizes: string[];
  /** Purchase frequency: weekly | fortnightly | monthly | occasionally (other values are allowed). */
  frequency: string;
  createdAt: Timestamp;
}

/** A trader's stated preferences without an id: what a cold-start request carries. */
export type TraderProfile = Omit<Trader, 'id' | 'createdAt'> & { id?: string; createdAt?: Timestamp; behaviour?: TraderBehaviour };

/**
 * What a trader's history says of them as of a time: the analytics ETL's per-trader features
 * (api/modules/analytics/trader-features.ts), computed from events up to that time only.
 */
export interface TraderBehaviour {
  /** Days since their last payment; null if they never paid. */
  recencyDays: number | null;
  /** Groups paid into. */
  frequency: number;
  /** Goods paid for, USD minor units. */
  monetary: number;
  /** ln(1 + their events in the 30 days before). */
  engagement: number;
}

/** The features of every trader who had any as of `at`. */
export interface BehaviourSnapshot {
  at: Timestamp;
  traders: Record<string, TraderBehaviour>;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  category: string;
  /** Integer minor units. */
  unitPrice: number;
  currency?: string;
  createdAt: Timestamp;
}

export interface Interaction {
  traderId: string;
  productId: string;
  kind: InteractionKind;
  at: Timestamp;
  /** Units committed (join) or paid for; used for the trader's typical order size. */
  quantity?: number;
}

export interface Dataset {
  traders: Trader[];
  products: Product[];
  interactions: Interaction[];
  /** The reference time: interactions after it are ignored and decay is measured from it. */
  now: Timestamp;
  /**
   * Trader features as of several times (the hold-out's cut-offs and now): training uses the latest
   * snapshot at or before `now`, so a model graded on a hold-out never sees features that know it.
   */
  behaviour?: BehaviourSnapshot[];
}

export interface GeoPoint {
  lat: number;
  lng: number;
}

/** Market name → coordinates, e.g. { "Mbare Musika": { lat: -17.862, lng: 31.038 } }. */
export type MarketCoordinates = Record<string, GeoPoint>;

/** A group-buy that could be recommended. */
export interface Group {
  id: string;
  productId: string;
  pickupMarket: string;
  pickupLat?: number;
  pickupLng?: number;
  /** Integer minor units per unit in this group. */
  unitPrice: number;
  currency?: string;
  /** Minimum order quantity for the group to go ahead. */
  moq: number;
  committedQty: number;
  /** Capacity in units; null when unlimited. */
  maxQty: number | null;
  deadline: Timestamp;
  /** When given, anything but "open" is skipped. */
  status?: string;
  /** Traders already in the group. */
  participantIds?: string[];
}

/** Who the recommendations are for. */
export interface TraderContext {
  /** A trader the model was trained on (or not: then `profile` is required). */
  traderId?: string;
  /** Stated preferences; overrides the trained profile when both exist. */
  profile?: TraderProfile;
  /** Groups the trader is already in (in addition to each group's participantIds). */
  joinedGroupIds?: string[];
  /** Interactions since the model was trained; folded into the trader's vectors at request time. */
  recentInteractions?: Interaction[];
}

// ---------------------------------------------------------------------------------------------
// Output

/** Named parts of a score. Product components come from the hybrid; group ones are added on top. */
export type ComponentName =
  | 'cf'
  | 'content'
  | 'itemKnn'
  | 'popularity'
  | 'category'
  | 'cluster'
  | 'neighbors'
  | 'newProduct'
  | 'budget'
  | 'distance'
  | 'urgency'
  | 'social';

export interface Explanation {
  /** "personalized": trader has enough history for CF; "similarity": cold-start path. */
  path: 'personalized' | 'similarity';
  /**
   * Who the trader is to the model, one of three: "new" (no history before now: cold start),
   * "returning" (history, but away longer than the grace period: weight moved to popular signals),
   * "regular". Never both new and returning.
   */
  audience: 'new' | 'returning' | 'regular';
  /** How much each component added to the score; the values sum to the score. */
  contributions: Partial<Record<ComponentName, number>>;
  /** Each component's own value in 0..1 before weighting. */
  signals: Partial<Record<ComponentName, number>>;
  /** Short human reasons, strongest first; never empty. */
  reasons: string[];
}

export interface ProductScore {
  productId: string;
  category: string;
  score: number;
  explanation: Explanation;
}

export interface Recommendation {
  groupId: string;
  productId: string;
  rank: number;
  score: number;
  explanation: Explanation;
  /** Facts the reasons were built from, for the client to render as it likes. */
  facts: {
    distanceKm: number | null;
    closesInDays: number;
    unitsToMoq: number;
    estimatedCost: number;
    typicalQuantity: number;
  };
}

// ---------------------------------------------------------------------------------------------
// Training parameters

export interface InteractionWeights {
  paid: number;
  join: number;
  click: number;
  view: number;
}

export interface FeatureBlockWeights {
  categories: number;
  market: number;
  budget: number;
  groupSizes: number;
  frequency: number;
  /** What they did (TraderBehaviour): how often, how much and how lately they paid, how engaged. */
  behaviour: number;
}

export interface HybridWeights {
  cf: number;
  content: number;
  /** Item-based kNN over the interaction matrix (0 by default: the hold-out tuning decides). */
  itemKnn: number;
  popularity: number;
}

export interface ColdStartWeights {
  category: number;
  neighbors: number;
  cluster: number;
  content: number;
  popularity: number;
}

export interface GroupWeights {
  product: number;
  budget: number;
  distance: number;
  urgency: number;
  social: number;
}

export interface TrainParams {
  /** Model version chosen by the caller, e.g. "2025-11-25.1". */
  version: string;
  seed?: number;
  interactionWeights?: Partial<InteractionWeights>;
  /** Half-life of an interaction's weight in the trader × product matrix. */
  halfLifeDays?: number;
  /** Half-life for "recent" popularity. */
  popularityHalfLifeDays?: number;
  featureWeights?: Partial<FeatureBlockWeights>;
  clustering?: {
    /** Fixed K; otherwise chosen by silhouette over kMin..kMax. */
    k?: number;
    kMin?: number;
    kMax?: number;
    /**
     * Above this many traders, K is searched on a seeded sample of this size (k-means and silhouette on
     * the sample), and k-means runs on everyone once, at the K found.
     */
    silhouetteSampleSize?: number;
    /** Below this best silhouette the search found nothing: one segment, no k-means on everyone. */
    minSilhouette?: number;
    maxIterations?: number;
  };
  nmf?: {
    rank?: number;
    maxIterations?: number;
    /** Stop when the relative loss improvement of an iteration falls below this. */
    tolerance?: number;
    regularization?: number;
    /** Weight of unobserved cells (implicit zeros) in the loss: 0 = observed cells only, 1 = full matrix. */
    unobservedWeight?: number;
    /** Compress matrix values with log1p before factorizing. */
    valueTransform?: 'log1p' | 'none';
  };
  tfidf?: {
    fieldWeights?: { name?: number; description?: number; category?: number };
    minDf?: number;
  };
  hybrid?: Partial<HybridWeights>;
  coldStart?: {
    weights?: Partial<ColdStartWeights>;
    /** Traders with fewer distinct products than this take the similarity path. */
    minInteractions?: number;
    neighbors?: number;
    newProductDays?: number;
    newProductBonus?: number;
    inactivityGraceDays?: number;
    inactivityHalfLifeDays?: number;
    /** Whether that shift applies at all (the hold-out tuning switches it off when it does not pay). */
    inactivityShift?: boolean;
  };
  /** Hold-out evaluation during training; false to skip. */
  /**
   * Tune the fusion weights (and the inactivity shift) on a validation split before the test split
   * (default true). false keeps the given weights exactly, e.g. to grade a fixed weighting.
   */
  tuneFusion?: boolean;
  evaluation?:
    | false
    | {
        holdoutFraction?: number;
        cutoff?: Timestamp;
        k?: number;
        /** Evaluate at most this many traders (seeded sample). */
        maxTraders?: number;
      };
}

export interface ResolvedTrainParams {
  version: string;
  tuneFusion: boolean;
  seed: number;
  interactionWeights: InteractionWeights;
  halfLifeDays: number;
  popularityHalfLifeDays: number;
  featureWeights: FeatureBlockWeights;
  clustering: { k: number | null; kMin: number; kMax: number; silhouetteSampleSize: number; minSilhouette: number; maxIterations: number };
  nmf: {
    rank: number;
    maxIterations: number;
    tolerance: number;
    regularization: number;
    unobservedWeight: number;
    valueTransform: 'log1p' | 'none';
  };
  tfidf: { fieldWeights: { name: number; description: number; category: number }; minDf: number };
  hybrid: HybridWeights;
  coldStart: {
    weights: ColdStartWeights;
    minInteractions: number;
    neighbors: number;
    newProductDays: number;
    newProductBonus: number;
    inactivityGraceDays: number;
    inactivityHalfLifeDays: number;
    inactivityShift: boolean;
  };
  evaluation: false | { holdoutFraction: number; cutoff: number | null; k: number; maxTraders: number };
}

export type TrainingStage = 'features' | 'clustering' | 'cf' | 'content' | 'popularity' | 'evaluation';

export type ProgressDetail = { message: string } & Record<string, string | number | boolean | null>;

/** progress is overall progress of the whole training run, 0..1. */
export type ProgressCallback = (stage: TrainingStage, progress: number, detail?: ProgressDetail) => void;

// ---------------------------------------------------------------------------------------------
// Metrics

export interface RankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
}

export interface EvaluationReport {
  k: number;
  cutoff: string;
  trainInteractions: number;
  testInteractions: number;
  tradersEvaluated: number;
  /** Of those: with no interactions before the cutoff (cold start), and with some. */
  traders: { coldStart: number; returning: number };
  /** Ranked lists exclude products the trader interacted with before the cutoff. */
  excludeSeen: boolean;
  /** Which adjustments the hybrid's lists had. */
  adjustments: { newProductBonus: boolean; diversity: boolean; inactivityShift: boolean };
  components: Record<'popularity' | 'cf' | 'content' | 'itemKnn' | 'hybrid', RankingMetrics>;
  /** NDCG@k of each ranker over the traders the hybrid sent down each path (its fusion weights, or the cold-start weights). */
  byPath: Record<'personalized' | 'similarity', { traders: number; ndcg: Record<'popularity' | 'cf' | 'content' | 'itemKnn' | 'hybrid', number> }>;
  /** Each component's NDCG@k and precision@k divided by the popularity baseline's (null when the baseline is 0). */
  liftOverPopularity: Record<'cf' | 'content' | 'itemKnn' | 'hybrid', { ndcg: number | null; precision: number | null }>;
}

/** How the fusion weights were chosen, and how the hybrid did against its parts on the hold-out. */
export interface FusionReport {
  weights: HybridWeights;
  /** Whether returning traders' weight moves to popular signals (kept unless switching it off won on validation). */
  inactivityShift: boolean;
  /** The cold-start (similarity) path's weights, tuned the same way on the same validation split. */
  coldStart: {
    weights: ColdStartWeights;
    chosen: 'default' | 'tuned';
    validation: { traders: number; defaultNdcg: number; bestNdcg: number; bestSingle: { name: string; ndcg: number } | null };
  } | null;
  chosen: 'default' | 'tuned';
  validation: { cutoff: string; traders: number; defaultNdcg: number; bestNdcg: number } | null;
  /** The best single ranker on the hold-out, and whether the hybrid reached it. */
  bestComponent: { name: string; ndcg: number } | null;
  /** Which ranking the model serves and why, in a sentence. */
  verdict: string;
}

export interface ModelMetrics {
  clustering: {
    k: number;
    silhouette: number;
    silhouetteSampled: boolean;
    scores: { k: number; silhouette: number }[];
    sizes: number[];
    /** How K was searched: 'all' (every trader), 'sample' (a sample, then one k-means on everyone), 'fixed'. */
    search: 'all' | 'sample' | 'fixed';
    /** Why clustering was skipped (one segment), or null. */
    skipped: string | null;
  };
  cf: {
    rank: number;
    iterations: number;
    converged: boolean;
    /** Converged means |L_prev − L| / L_prev fell below this between two iterations. */
    tolerance: number;
    initialLoss: number;
    finalLoss: number;
    lossHistory: number[];
  };
  /** The trader features used (Dataset.behaviour): the snapshot's time and size, and the hold-out model's snapshot. */
  behaviour: { asOf: string | null; traders: number; holdoutAsOf: string | null };
  holdout: EvaluationReport | null;
  fusion: FusionReport | null;
  timingsMs: Partial<Record<TrainingStage, number>>;
}

export interface ModelMetadata {
  version: string;
  trainedAt: string;
  /** The parameters the model was trained with, defaults filled in. */
  parameters: ResolvedTrainParams;
  dataWindow: { from: string | null; to: string; interactionsUsed: number; interactionsIgnored: number };
  counts: { traders: number; products: number; nonzeros: number };
  metrics: ModelMetrics;
}
