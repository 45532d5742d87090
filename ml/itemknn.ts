// Item-based k-nearest neighbours: products are similar when the same traders interacted with them
// (cosine of their columns in the trader × product matrix); a trader's score for a product is the
// sum, over the products in their history, of history weight × similarity. A classic baseline for
// implicit feedback, and a component the hybrid can weigh.

import { transpose, type CsrMatrix } from './sparse.ts';

/**
 * For each product, its `neighbors` most similar products (cosine over traders, itself left out), as
 * the rows of a CSR matrix. Cost Σ_traders (products per trader)², one dense accumulator per call.
 */
export function itemNeighbors(R: CsrMatrix, neighbors = 50): CsrMatrix {
  const m = R.cols;
  const byItem = transpose(R);
  const norm = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let s = 0;
    for (let q = byItem.indptr[j]!; q < byItem.indptr[j + 1]!; q++) s += byItem.values[q]! * byItem.values[q]!;
    norm[j] = Math.sqrt(s);
  }
  const acc = new Float64Array(m);
  const touched = new Int32Array(m);
  const indptr = new Int32Array(m + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let j = 0; j < m; j++) {
    let count = 0;
    for (let q = byItem.indptr[j]!; q < byItem.indptr[j + 1]!; q++) {
      const i = byItem.indices[q]!;
      const v = byItem.values[q]!;
      for (let p = R.indptr[i]!; p < R.indptr[i + 1]!; p++) {
        const l = R.indices[p]!;
        if (l === j) continue;
        if (acc[l] === 0) touched[count++] = l;
        acc[l]! += v * R.values[p]!;
      }
    }
    const found = Array.from(touched.subarray(0, count), (l) => ({ l, s: acc[l]! / (norm[j]! * norm[l]! || 1) }));
    for (let c = 0; c < count; c++) acc[touched[c]!] = 0;
    found.sort((a, b) => b.s - a.s || a.l - b.l);
    const kept = found.slice(0, neighbors).sort((a, b) => a.l - b.l);
    for (const { l, s } of kept) {
      indices.push(l);
      values.push(s);
    }
    indptr[j + 1] = indices.length;
  }
  return { rows: m, cols: m, indptr, indices: Int32Array.from(indices), values: Float64Array.from(values) };
}

/** Σ over the history of weight × similarity, for each of `size` products. */
export function itemKnnScores(neighbors: CsrMatrix, history: readonly { product: number; weight: number }[], size: number): Float64Array {
  const out = new Float64Array(size);
  for (const { product: j, weight } of history) {
    if (j >= neighbors.rows) continue;
    for (let q = neighbors.indptr[j]!; q < neighbors.indptr[j + 1]!; q++) out[neighbors.indices[q]!]! += weight * neighbors.values[q]!;
  }
  return out;
}
