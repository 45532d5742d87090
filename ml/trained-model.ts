// The in-memory shape of a trained model, and the indexes rebuilt from it after loading.

import type { Matrix } from 'ml-matrix';
import { buildSimilarityIndex, type TraderSimilarityIndex } from './coldstart.ts';
import type { FeatureSpec } from './features.ts';
import { buildIndex } from './features.ts';
import { flatRows, type FlatRows } from './nmf.ts';
import { itemNeighbors } from './itemknn.ts';
import { csrFromVectors, mapValues, transpose, type CsrMatrix } from './sparse.ts';
import type { TfidfModel } from './tfidf.ts';
import type { ModelMetadata, ResolvedTrainParams, TraderProfile } from './types.ts';

export interface TraderTable {
  ids: string[];
  profiles: TraderProfile[];
  createdAt: Float64Array;
  /** Last interaction (epoch ms), NaN when none. */
  lastActiveAt: Float64Array;
  cluster: Int32Array;
}

export interface ProductTable {
  ids: string[];
  names: string[];
  categories: string[];
  unitPrices: Float64Array;
  currencies: string[];
  createdAt: Float64Array;
  /** Median quantity traders commit to per product, NaN when unknown. */
  typicalQuantity: Float64Array;
}

export interface ClusterModel {
  k: number;
  centroids: number[][];
  sizes: number[];
  silhouette: number;
  sampled: boolean;
  scores: { k: number; silhouette: number }[];
  /** Per cluster, mean interaction weight of its members per product (k × products). */
  popularity: Float64Array[];
  /** Most common market and preferred category among the members, when they dominate. */
  labels: { market: string | null; category: string | null }[];
}

export interface DerivedIndexes {
  traderIndex: Map<string, number>;
  productIndex: Map<string, number>;
  /** 0 … products − 1, built once: scoring the whole catalog would otherwise build it per request. */
  productOrder: readonly number[];
  /** joined, transposed: for each product, the traders who joined it. */
  joinersByProduct: CsrMatrix;
  /** itemFactorsᵀ · itemFactors, for folding in new traders. */
  itemGram: Matrix;
  /** The item factors row after row in one array, for predicting every product of a trader. */
  itemFactors: FlatRows;
  /** The products' TF-IDF vectors as the rows of one matrix, for content scores. */
  tfidfMatrix: CsrMatrix;
  /** Each trader's preferred categories as a set. */
  traderCategorySets: Set<string>[];
  /** Traders' categories, markets and joins in the shape the similarity search scans. */
  similarity: TraderSimilarityIndex;
  /** Each product's 50 most similar products by who interacted with them (item kNN). */
  itemNeighbors: CsrMatrix;
}

export interface TrainedModel {
  meta: ModelMetadata;
  params: ResolvedTrainParams;
  /** The dataset's reference time (epoch ms). */
  now: number;
  traders: TraderTable;
  products: ProductTable;
  /** Decayed, kind-weighted trader × product matrix. */
  interactions: CsrMatrix;
  /** Joined/paid pattern; values are the trader's median quantity (0 = unknown). */
  joined: CsrMatrix;
  features: FeatureSpec;
  clusters: ClusterModel;
  cf: { userFactors: Matrix; itemFactors: Matrix };
  tfidf: TfidfModel;
  /** Decayed recent popularity per product. */
  popularity: Float64Array;
  derived: DerivedIndexes;
}

export function buildDerived(model: Omit<TrainedModel, 'derived'>): DerivedIndexes {
  const joinersByProduct = transpose(model.joined);
  const traderCategorySets = model.traders.profiles.map((t) => new Set(t.categories));
  return {
    traderIndex: buildIndex(model.traders.ids),
    productIndex: buildIndex(model.products.ids),
    productOrder: Array.from({ length: model.products.ids.length }, (_, j) => j),
    joinersByProduct,
    itemGram: model.cf.itemFactors.gram(),
    itemFactors: flatRows(model.cf.itemFactors),
    tfidfMatrix: csrFromVectors(model.tfidf.vectors, model.tfidf.vocabulary.length),
    traderCategorySets,
    similarity: buildSimilarityIndex(
      { categorySets: traderCategorySets, markets: model.traders.profiles.map((t) => t.market), lastActiveAt: model.traders.lastActiveAt },
      model.joined,
      joinersByProduct,
    ),
    itemNeighbors: itemNeighbors(model.params.nmf.valueTransform === 'log1p' ? mapValues(model.interactions, Math.log1p) : model.interactions),
  };
}
