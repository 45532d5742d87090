// Public API of the ConnectSphere recommender. Pure TypeScript: no HTTP, no database.

export type * from './types.ts';
export { train, recommend, scoreProducts, serialize, deserialize, resolveParams, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './model.ts';
export type { TrainedModel, SerializedModel, RecommendOptions, ScoreProductsOptions } from './model.ts';
export { trainInWorker, type TrainInWorkerOptions, type WorkerMessage } from './worker.ts';
export { InteractionPacker, packDataset, unpackInteractions, type PackedDataset, type PackedInteractions } from './packed.ts';

export {
  buildInteractionMatrices,
  buildFeatureSpec,
  preferenceVector,
  DEFAULT_INTERACTION_WEIGHTS,
  DEFAULT_FEATURE_WEIGHTS,
  FREQUENCY_SCALE,
  type FeatureSpec,
  type InteractionMatrices,
} from './features.ts';
export { fitTfidf, transformTfidf, textVector, tokenize, cosine, STOPWORDS, DEFAULT_FIELD_WEIGHTS, type TfidfModel } from './tfidf.ts';
export { kMeans, chooseK, silhouetteScore, sampledSilhouetteScore, nearestCentroid, type Clustering, type ChooseKResult } from './kmeans.ts';
export { nmf, foldIn, predictRow, flatRows, type FlatRows, type NmfOptions, type NmfResult, type NmfLoss } from './nmf.ts';
export { contentProfile, contentScores } from './content.ts';
export { decayedPopularity } from './popularity.ts';
export { fuse, minMaxNormalize, normalizeWeights, DEFAULT_HYBRID_WEIGHTS } from './hybrid.ts';
export {
  jaccard,
  similarTraders,
  buildSimilarityIndex,
  type TraderSimilarityIndex,
  neighborScores,
  categoryMatchScores,
  freshness,
  inactivityFactor,
  isColdStart,
  DEFAULT_COLD_START_WEIGHTS,
} from './coldstart.ts';
export { diversify, type DiversifyOptions } from './diversity.ts';
export {
  groupEligibility,
  groupReasons,
  groupSignals,
  groupTable,
  countParticipants,
  haversineKm,
  budgetFit,
  distanceSignal,
  urgencySignal,
  DEFAULT_GROUP_WEIGHTS,
  type GroupEligibility,
} from './groups.ts';
export {
  temporalSplit,
  evaluateModel,
  precisionAtK,
  recallAtK,
  ndcgAtK,
  averagePrecisionAtK,
  catalogCoverage,
  type HoldoutSplit,
} from './evaluate.ts';
export { generateSynthetic, HARARE_MARKETS, LINES_OF_BUSINESS, type SyntheticData, type SyntheticOptions } from './synthetic.ts';
export type { CsrMatrix, SparseVector } from './sparse.ts';
