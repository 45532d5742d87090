// Content-based scores: cosine between a trader's profile in TF-IDF space and each product's vector.

import { sparseDot, type CsrMatrix, type SparseVector } from './sparse.ts';
import { textVector, type TfidfModel } from './tfidf.ts';

export interface WeightedProduct {
  /** Product index in the model. */
  product: number;
  weight: number;
}

export interface ContentProfileOptions {
  /** Weight of the preference-category part relative to the (unit) history part. */
  preferenceWeight?: number;
}

/**
 * The trader's profile: the interaction-weighted sum of the vectors of products they interacted with,
 * scaled to unit length, plus `preferenceWeight` × the unit vector of their preferred categories'
 * tokens; then scaled to unit length. Dense over the vocabulary (one trader at a time). Returns null
 * when there is nothing to build it from.
 */
export function contentProfile(
  tfidf: TfidfModel,
  productVectors: readonly SparseVector[],
  history: readonly WeightedProduct[],
  preferenceCategories: readonly string[],
  options: ContentProfileOptions = {},
): Float64Array | null {
  const dim = tfidf.vocabulary.length;
  const fromHistory = new Float64Array(dim);
  for (const { product, weight } of history) {
    const v = productVectors[product];
    if (!v || !(weight > 0)) continue;
    for (let i = 0; i < v.indices.length; i++) fromHistory[v.indices[i]!]! += weight * v.values[i]!;
  }
  const profile = scaleToUnit(fromHistory);
  const prefs = textVector(tfidf, preferenceCategories.join(' '));
  const prefWeight = options.preferenceWeight ?? 0.5;
  for (let i = 0; i < prefs.indices.length; i++) profile[prefs.indices[i]!]! += prefWeight * prefs.values[i]!;
  const result = scaleToUnit(profile);
  return result.some((x) => x !== 0) ? result : null;
}

function scaleToUnit(v: Float64Array): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  if (s === 0) return v;
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < v.length; i++) v[i]! *= inv;
  return v;
}

/** Cosine of the (unit) profile with each (unit) product vector, the rows of `products`. */
export function contentScores(profile: Float64Array | null, products: CsrMatrix): Float64Array {
  const out = new Float64Array(products.rows);
  if (!profile) return out;
  // Runs over the whole catalog on every request, so it reads the three CSR arrays only: every
  // column is below the vocabulary size, which is the profile's length.
  const { indptr, indices, values } = products;
  for (let j = 0; j < products.rows; j++) {
    let s = 0;
    for (let q = indptr[j]!; q < indptr[j + 1]!; q++) s += profile[indices[q]!]! * values[q]!;
    out[j] = s;
  }
  return out;
}

/** The product in the trader's history most similar to `target`, for "similar to X you bought". */
export function mostSimilarInHistory(
  target: SparseVector,
  history: readonly WeightedProduct[],
  productVectors: readonly SparseVector[],
  exclude?: number,
): { product: number; similarity: number } | null {
  let best: { product: number; similarity: number } | null = null;
  for (const { product } of history) {
    if (product === exclude) continue;
    const v = productVectors[product];
    if (!v) continue;
    const s = sparseDot(target, v);
    if (!best || s > best.similarity) best = { product, similarity: s };
  }
  return best;
}
