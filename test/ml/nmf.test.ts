import { describe, expect, it } from 'vitest';
import { flatRows, foldIn, matrixRows, nmf, predictRow } from '../../ml/nmf.ts';
import { Rng } from '../../ml/random.ts';
import { csrFromRowMaps, rowOf, type CsrMatrix } from '../../ml/sparse.ts';

function lowRank(rows: number, cols: number, rank: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const W = Array.from({ length: rows }, () => Array.from({ length: rank }, () => rng.uniform(0.2, 2)));
  const H = Array.from({ length: rank }, () => Array.from({ length: cols }, () => rng.uniform(0.2, 2)));
  return W.map((w) => H[0]!.map((_, j) => w.reduce((s, x, f) => s + x * H[f]![j]!, 0)));
}

function toCsr(dense: number[][], keep: (i: number, j: number) => boolean = () => true): CsrMatrix {
  return csrFromRowMaps(
    dense.map((row, i) => new Map(row.flatMap((v, j) => (keep(i, j) ? [[j, v] as [number, number]] : [])))),
    dense[0]!.length,
  );
}

function predicted(result: ReturnType<typeof nmf>, i: number, j: number): number {
  const w = matrixRows(result.userFactors)[i]!;
  const h = matrixRows(result.itemFactors)[j]!;
  return w.reduce((s, x, f) => s + x * h[f]!, 0);
}

describe('nmf', () => {
  it('reconstructs a known low-rank non-negative matrix', () => {
    const R = lowRank(12, 9, 2, 1);
    const result = nmf(toCsr(R), { rank: 2, regularization: 0, unobservedWeight: 1, maxIterations: 3000, tolerance: 1e-12, seed: 1 });
    let err = 0;
    let norm = 0;
    R.forEach((row, i) =>
      row.forEach((v, j) => {
        err += (v - predicted(result, i, j)) ** 2;
        norm += v * v;
      }),
    );
    expect(Math.sqrt(err / norm)).toBeLessThan(0.01);
  });

  it('never increases the loss, and reports convergence', () => {
    const R = lowRank(40, 30, 3, 2);
    const rng = new Rng(3);
    const sparse = toCsr(R, () => rng.bool(0.3));
    const result = nmf(sparse, { rank: 4, regularization: 0.05, unobservedWeight: 0.2, maxIterations: 500, tolerance: 1e-6 });
    const totals = result.lossHistory.map((l) => l.total);
    for (let t = 1; t < totals.length; t++) expect(totals[t]!).toBeLessThanOrEqual(totals[t - 1]! * (1 + 1e-9));
    expect(totals[totals.length - 1]!).toBeLessThan(totals[0]! / 2);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBe(totals.length - 1);
    const last = result.lossHistory[result.lossHistory.length - 1]!;
    expect(last.total).toBeCloseTo(last.observed + last.unobserved + last.regularization, 6);
  });

  it('fits observed cells only when unobservedWeight is 0, filling in the missing ones', () => {
    const R = lowRank(30, 20, 2, 4);
    const hidden = (i: number, j: number) => (i * 7 + j * 3) % 5 === 0; // 20% of cells
    const result = nmf(toCsr(R, (i, j) => !hidden(i, j)), { rank: 2, regularization: 0, unobservedWeight: 0, maxIterations: 3000, tolerance: 1e-10 });
    let err = 0;
    let norm = 0;
    R.forEach((row, i) =>
      row.forEach((v, j) => {
        if (!hidden(i, j)) return;
        err += (v - predicted(result, i, j)) ** 2;
        norm += v * v;
      }),
    );
    expect(Math.sqrt(err / norm)).toBeLessThan(0.1);
  });

  it('folds in a new row against fixed item factors', () => {
    const R = lowRank(25, 15, 2, 5);
    const result = nmf(toCsr(R), { rank: 2, regularization: 0, unobservedWeight: 1, maxIterations: 2000, tolerance: 1e-12 });
    const w = foldIn(rowOf(toCsr(R), 3), result.itemFactors, { regularization: 0, unobservedWeight: 1, iterations: 500 });
    const p = predictRow(w, flatRows(result.itemFactors));
    R[3]!.forEach((v, j) => expect(p[j]!).toBeCloseTo(v, 1));
  });
});
