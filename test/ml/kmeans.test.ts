import { describe, expect, it } from 'vitest';
import { chooseK, kMeans, sampledSilhouetteScore, silhouetteScore } from '../../ml/kmeans.ts';
import { Rng } from '../../ml/random.ts';

function blobs(seed: number, perBlob: number, centres: number[][], spread: number) {
  const rng = new Rng(seed);
  const points: number[][] = [];
  const truth: number[] = [];
  centres.forEach((c, label) => {
    for (let i = 0; i < perBlob; i++) {
      points.push(c.map((x) => x + spread * rng.normal()));
      truth.push(label);
    }
  });
  return { points, truth };
}

/** Every found cluster maps to exactly one planted cluster. */
function purity(found: number[], truth: number[]): number {
  const byCluster = new Map<number, Map<number, number>>();
  found.forEach((c, i) => {
    const m = byCluster.get(c) ?? new Map<number, number>();
    m.set(truth[i]!, (m.get(truth[i]!) ?? 0) + 1);
    byCluster.set(c, m);
  });
  let agree = 0;
  for (const m of byCluster.values()) agree += Math.max(...m.values());
  return agree / found.length;
}

describe('silhouette', () => {
  it('matches a worked example', () => {
    // One dimension, A = {0, 2}, B = {6, 10}.
    //   x=0  (A): a = |0−2| = 2;            b = (6 + 10) / 2 = 8;  s = (8 − 2) / 8 = 3/4
    //   x=2  (A): a = 2;                    b = (4 + 8) / 2 = 6;   s = (6 − 2) / 6 = 2/3
    //   x=6  (B): a = |6−10| = 4;           b = (6 + 4) / 2 = 5;   s = (5 − 4) / 5 = 1/5
    //   x=10 (B): a = 4;                    b = (10 + 8) / 2 = 9;  s = (9 − 4) / 9 = 5/9
    //   mean = (3/4 + 2/3 + 1/5 + 5/9) / 4 = (135 + 120 + 36 + 100) / 180 / 4 = 391/720 = 0.543056
    expect(silhouetteScore([[0], [2], [6], [10]], [0, 0, 1, 1])).toBeCloseTo(391 / 720, 12);
  });

  it('scores a point alone in its cluster as 0', () => {
    // A = {0, 2}, B = {10}: s(0) = (10 − 2)/10 = 0.8, s(2) = (8 − 2)/8 = 0.75, s(10) = 0 → mean 1.55/3
    expect(silhouetteScore([[0], [2], [10]], [0, 0, 1])).toBeCloseTo(1.55 / 3, 12);
  });

  it('the sampled version equals the exact one when the sample covers everything, and is close otherwise', () => {
    const { points, truth } = blobs(1, 200, [[0, 0], [5, 5], [0, 6]], 1);
    const exact = silhouetteScore(points, truth);
    expect(sampledSilhouetteScore(points, truth, 10_000)).toBe(exact);
    const sampled = sampledSilhouetteScore(points, truth, 300, 9);
    expect(Math.abs(sampled - exact)).toBeLessThan(0.05);
    expect(sampledSilhouetteScore(points, truth, 300, 9)).toBe(sampled); // seeded
  });
});

describe('k-means', () => {
  const { points, truth } = blobs(2, 60, [[0, 0, 0], [6, 0, 0], [0, 6, 6]], 0.8);

  it('recovers planted clusters', () => {
    const c = kMeans(points, 3, { seed: 42 });
    expect(purity(c.assignments, truth)).toBe(1);
    expect(c.sizes.sort()).toEqual([60, 60, 60]);
  });

  it('is deterministic for a seed', () => {
    expect(kMeans(points, 3, { seed: 5 }).assignments).toEqual(kMeans(points, 3, { seed: 5 }).assignments);
  });

  it('chooses K by silhouette', () => {
    const chosen = chooseK(points, { kMin: 2, kMax: 6, seed: 42 });
    expect(chosen.best.k).toBe(3);
    expect(chosen.scores.map((s) => s.k)).toEqual([2, 3, 4, 5, 6]);
    expect(chosen.silhouette).toBe(Math.max(...chosen.scores.map((s) => s.silhouette)));
  });

  it('never asks for more clusters than distinct points', () => {
    const few = [[0, 0], [0, 0], [1, 1], [1, 1], [1, 1]];
    const chosen = chooseK(few, { kMin: 2, kMax: 8 });
    expect(chosen.best.k).toBe(2);
  });
});
