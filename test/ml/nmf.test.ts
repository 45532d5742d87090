import { describe, expect, it } from 'vitest';
import { benchMatrix } from '../../bench/ml-nmf.ts';
import { flatRows, foldIn, matrixRows, nmf, predictRow } from '../../ml/nmf.ts';
import { wasmPasses } from '../../ml/nmf-wasm.ts';
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
  it('takes the same steps on the WebAssembly SIMD kernels as on the TypeScript ones, at even and odd ranks, generated or plain (above 64)', () => {
    const R = benchMatrix(300, 120, 6_000, 3);
    for (const rank of [6, 7, 70]) {
      // Node's engine has WebAssembly SIMD: the comparison is of two different kernels.
      expect(wasmPasses(R, rank)).not.toBeNull();
      const options = { rank, maxIterations: 30, tolerance: 0, regularization: 0.01, unobservedWeight: 1, seed: 5 };
      const simd = nmf(R, options);
      const plain = nmf(R, { ...options, simd: false });
      // Summed in another order (two lanes at a time), so equal to rounding, not bit for bit.
      simd.lossHistory.forEach((loss, t) => expect(Math.abs(loss - plain.lossHistory[t]!) / plain.lossHistory[t]!).toBeLessThan(1e-9));
      const w = flatRows(simd.userFactors).data;
      const v = flatRows(plain.userFactors).data;
      let diff = 0;
      for (let q = 0; q < w.length; q++) diff = Math.max(diff, Math.abs(w[q]! - v[q]!));
      expect(diff).toBeLessThan(1e-9);
      expect(simd.lossHistory.at(-1)!).toBeLessThan(simd.lossHistory[0]!);
    }
  });

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
    const totals = result.lossHistory;
    for (let t = 1; t < totals.length; t++) expect(totals[t]!).toBeLessThanOrEqual(totals[t - 1]! * (1 + 1e-9));
    expect(totals[totals.length - 1]!).toBeLessThan(totals[0]! / 2);
    expect(result.converged).toBe(true);
    expect(result.iterations).toBe(totals.length - 1);
    const last = result.finalLoss;
    expect(last.total).toBeCloseTo(last.observed + last.unobserved + last.regularization, 6);
    expect(totals[totals.length - 1]).toBe(last.total);
  });

  it('lowers the loss at every iteration of classical NMF (unobserved cells weigh 1), the loss the quick formula reports', () => {
    const X = benchMatrix(300, 120, 4000, 5);
    const seen: number[] = [];
    const result = nmf(X, { rank: 6, regularization: 0.01, unobservedWeight: 1, maxIterations: 60, tolerance: 0, onIteration: (_, loss) => seen.push(loss) });
    expect(result.iterations).toBe(60);
    expect(seen).toEqual(result.lossHistory.slice(1, -1).concat(seen.slice(-1)));
    for (let t = 1; t < result.lossHistory.length; t++) expect(result.lossHistory[t]!).toBeLessThan(result.lossHistory[t - 1]!);
    // The quick total (from Rᵀ·W and the Gram matrices) agrees with the exact one of the final factors.
    expect(seen[seen.length - 1]!).toBeCloseTo(result.finalLoss.total, 4);
  });

  it('stops on the change between two iterations, not on the change against the first loss', () => {
    const X = benchMatrix(600, 300, 12000, 3);
    const tolerance = 1e-4;
    const result = nmf(X, { rank: 8, regularization: 0, unobservedWeight: 1, tolerance, seed: 1 });
    const L = result.lossHistory;
    const t = result.iterations;
    expect(result.converged).toBe(true);
    expect(Math.abs(L[t - 1]! - L[t]!) / L[t - 1]!).toBeLessThan(tolerance);
    for (let s = 1; s < t; s++) expect(Math.abs(L[s - 1]! - L[s]!) / L[s - 1]!).toBeGreaterThanOrEqual(tolerance);
    // The old rule, (L_{s−1} − L_s) / L_0 < tolerance, would have stopped earlier, at a higher loss.
    const old = L.findIndex((l, s) => s > 0 && (L[s - 1]! - l) / L[0]! < tolerance);
    expect(old).toBeGreaterThan(0);
    expect(old).toBeLessThan(t);
    expect(L[old]!).toBeGreaterThan(L[t]!);
  });

  it("reaches scikit-learn's loss on the same matrix, rank and iterations", () => {
    // Reference: bench/nmf_sklearn.py (scikit-learn 1.2.1, solver='cd', init='random', tol=0,
    // 200 iterations, no regularization) on benchMatrix(600, 300, 12000, 3) at rank 8: ‖X − WH‖² =
    // 13807.2590608866 (multiplicative updates: 13838.18).
    const reference = 13807.2590608866;
    const X = benchMatrix(600, 300, 12000, 3);
    const result = nmf(X, { rank: 8, regularization: 0, unobservedWeight: 1, maxIterations: 200, tolerance: 0, seed: 1 });
    expect(result.finalLoss.total).toBeLessThanOrEqual(reference * 1.001);
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
    const w = foldIn(rowOf(toCsr(R), 3), flatRows(result.itemFactors), { regularization: 0, unobservedWeight: 1, iterations: 500 });
    const p = predictRow(w, flatRows(result.itemFactors));
    R[3]!.forEach((v, j) => expect(p[j]!).toBeCloseTo(v, 1));
  });
});
