// K-means clustering of trader preference vectors (ml-kmeans, k-means++ with a fixed seed),
// silhouette scores, and choosing K by silhouette.

import { kmeans } from 'ml-kmeans';
import { Rng } from './random.ts';

export interface KMeansOptions {
  seed?: number;
  maxIterations?: number;
  tolerance?: number;
}

export interface Clustering {
  k: number;
  assignments: number[];
  centroids: number[][];
  sizes: number[];
  iterations: number;
  converged: boolean;
}

/** K-means with k-means++ initialisation; deterministic for a given seed. */
export function kMeans(vectors: readonly number[][], k: number, options: KMeansOptions = {}): Clustering {
  if (vectors.length === 0) throw new Error('k-means needs at least one vector');
  if (k <= 1 || vectors.length === 1) {
    const dim = vectors[0]?.length ?? 0;
    const centroid = new Array<number>(dim).fill(0);
    for (const v of vectors) for (let d = 0; d < dim; d++) centroid[d]! += (v[d] ?? 0) / vectors.length;
    return {
      k: 1,
      assignments: vectors.map(() => 0),
      centroids: [centroid],
      sizes: [vectors.length],
      iterations: 0,
      converged: true,
    };
  }
  const result = kmeans(vectors as number[][], k, {
    initialization: 'kmeans++',
    seed: options.seed ?? 42,
    maxIterations: options.maxIterations ?? 100,
    tolerance: options.tolerance ?? 1e-6,
  });
  const sizes = new Array<number>(k).fill(0);
  for (const c of result.clusters) sizes[c]!++;
  return {
    k,
    assignments: [...result.clusters],
    centroids: result.centroids.map((c) => [...c]),
    sizes,
    iterations: result.iterations,
    converged: result.converged,
  };
}

export function euclidean(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    s += d * d;
  }
  return Math.sqrt(s);
}

export function nearestCentroid(centroids: readonly number[][], v: readonly number[]): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  centroids.forEach((c, i) => {
    const d = euclidean(c, v);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}

/**
 * Mean silhouette over all points (Euclidean distance), exact: O(n² · d).
 * For point i in cluster A: a = mean distance to the other members of A, b = the smallest mean
 * distance to the members of another cluster, s = (b − a) / max(a, b); s = 0 for a point alone in
 * its cluster. Returns 0 when there are fewer than two clusters.
 */
export function silhouetteScore(vectors: readonly number[][], labels: readonly number[]): number {
  const n = vectors.length;
  if (n < 2) return 0;
  const k = Math.max(...labels) + 1;
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]!++;
  if (sizes.filter((s) => s > 0).length < 2) return 0;
  const sums = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const vi = vectors[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = euclidean(vi, vectors[j]!);
      sums[i * k + labels[j]!]! += d;
      sums[j * k + labels[i]!]! += d;
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const own = labels[i]!;
    if (sizes[own]! <= 1) continue; // s = 0
    const a = sums[i * k + own]! / (sizes[own]! - 1);
    let b = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      if (c === own || sizes[c] === 0) continue;
      b = Math.min(b, sums[i * k + c]! / sizes[c]!);
    }
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}

/** Silhouette of a seeded random sample of `sampleSize` points (as scikit-learn's sample_size does). */
export function sampledSilhouetteScore(
  vectors: readonly number[][],
  labels: readonly number[],
  sampleSize: number,
  seed = 42,
): number {
  if (vectors.length <= sampleSize) return silhouetteScore(vectors, labels);
  const idx = new Rng(seed).sampleIndices(vectors.length, sampleSize);
  // Relabel densely so empty clusters in the sample do not matter.
  return silhouetteScore(
    idx.map((i) => vectors[i]!),
    idx.map((i) => labels[i]!),
  );
}

export interface ChooseKOptions extends KMeansOptions {
  kMin?: number;
  kMax?: number;
  /** Above this many vectors, silhouettes are computed on a sample of this size. */
  sampleSize?: number;
  onStep?: (k: number, silhouette: number, done: number, total: number) => void;
}

export interface ChooseKResult {
  best: Clustering;
  silhouette: number;
  sampled: boolean;
  scores: { k: number; silhouette: number }[];
}

export function distinctCount(vectors: readonly number[][], limit: number): number {
  const seen = new Set<string>();
  for (const v of vectors) {
    seen.add(v.map((x) => x.toFixed(9)).join(','));
    if (seen.size >= limit) break;
  }
  return seen.size;
}

/** Runs k-means for each K in kMin..kMax and keeps the one with the highest silhouette. */
export function chooseK(vectors: readonly number[][], options: ChooseKOptions = {}): ChooseKResult {
  const sampleSize = options.sampleSize ?? 1000;
  const sampled = vectors.length > sampleSize;
  const kMax = Math.min(options.kMax ?? 8, vectors.length - 1, distinctCount(vectors, (options.kMax ?? 8) + 1));
  const kMin = Math.max(2, options.kMin ?? 2);
  if (kMax < kMin) {
    const best = kMeans(vectors, Math.max(1, Math.min(kMax, 1)), options);
    return { best, silhouette: 0, sampled, scores: [] };
  }
  let best: Clustering | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  const scores: { k: number; silhouette: number }[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const c = kMeans(vectors, k, options);
    const s = sampledSilhouetteScore(vectors, c.assignments, sampleSize, options.seed ?? 42);
    scores.push({ k, silhouette: s });
    if (s > bestScore + 1e-12) {
      best = c;
      bestScore = s;
    }
    options.onStep?.(k, s, k - kMin + 1, kMax - kMin + 1);
  }
  return { best: best!, silhouette: bestScore, sampled, scores };
}
