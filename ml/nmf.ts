// Non-negative matrix factorization R ≈ W · Hᵀ by coordinate descent (HALS), written for sparse R.
//
// Loss (what lossHistory reports):
//   L = Σ_observed (r − p)²  +  α · Σ_unobserved p²  +  λ · (‖W‖² + ‖H‖²),   p = (W·Hᵀ)_ij
// α (unobservedWeight) treats missing cells as weak zeros (implicit feedback): α = 0 fits observed
// cells only, α = 1 is classical NMF of the zero-filled matrix (what scikit-learn's NMF fits).
//
// With H fixed, the loss of one row w of W is the quadratic ½ wᵀ A w − bᵀ w + const, where
//   A = α·HᵀH + (1 − α)·Σ_{j observed} h_j h_jᵀ + λ·I   and   b = Σ_{j observed} r_j h_j.
// One iteration makes one pass of projected coordinate descent over every coordinate of W, then of H
// (w_f ← max(0, w_f − (A w − b)_f / A_ff)), as scikit-learn's solver='cd' does; each coordinate step
// minimizes the loss exactly along that coordinate, so the loss never increases. Cost per iteration:
// O(nnz · k + (n + m) · k²) when α = 1 (A is the shared k × k Gram matrix); α < 1 adds O(nnz · k²)
// for the per-row terms and a transpose of R. Nothing dense of size n × m is ever built.
//
// The loss comes almost for free when α = 1: ‖R − W·Hᵀ‖² = ‖R‖² − 2·Σ (Rᵀ·W) ⊙ H + Σ (WᵀW) ⊙ (HᵀH),
// and Rᵀ·W is what the H pass needs anyway (it is scattered while W's rows are updated).
//
// Stopping rule: converged when the loss changed by less than `tolerance` relative to the previous
// iteration's loss, |L_{t−1} − L_t| / L_{t−1} < tolerance. (Measuring the change against the first
// iteration's loss, which can be 100× the final one, stops long before the factors settle.)

import { Matrix } from 'ml-matrix';
import { rowKernels } from './nmf-kernels.ts';
import { wasmPasses } from './nmf-wasm.ts';
import { Rng } from './random.ts';
import { transpose, type CsrMatrix, type SparseVector } from './sparse.ts';

export interface NmfOptions {
  rank?: number;
  maxIterations?: number;
  /** Stop when |L_prev − L| / L_prev < tolerance (the change between two iterations). */
  tolerance?: number;
  regularization?: number;
  unobservedWeight?: number;
  seed?: number;
  onIteration?: (iteration: number, loss: number) => void;
  /** false: the TypeScript kernels even where WebAssembly SIMD is available (to compare them). */
  simd?: boolean;
}

export interface NmfLoss {
  total: number;
  observed: number;
  unobserved: number;
  regularization: number;
}

export interface NmfResult {
  /** n × rank. */
  userFactors: Matrix;
  /** m × rank (that is, Hᵀ): R ≈ userFactors · itemFactorsᵀ. */
  itemFactors: Matrix;
  rank: number;
  iterations: number;
  converged: boolean;
  /** Total loss: lossHistory[0] of the initial factors, lossHistory[t] after iteration t. */
  lossHistory: number[];
  /** The final loss in its parts. */
  finalLoss: NmfLoss;
}

/** The row arrays inside an ml-matrix Matrix (it stores one Float64Array per row), for tight loops. */
export function matrixRows(m: Matrix): Float64Array[] {
  const data = (m as unknown as { data?: unknown }).data;
  if (Array.isArray(data) && data.length === m.rows && (m.rows === 0 || data[0] instanceof Float64Array)) {
    return data as Float64Array[];
  }
  throw new Error('unexpected ml-matrix layout: rows are not Float64Arrays');
}

// The inner loops below run over the k factors of one row, millions of times per iteration: they
// work on flat row-major arrays (row i at offset i·k) and are unrolled by four, which V8 runs about
// 1.5× faster than the plain loop.

/** dst[d..d+k) += a · src[s..s+k). */
function axpy(dst: Float64Array, d: number, src: Float64Array, s: number, a: number, k: number): void {
  const k4 = k & ~3;
  let f = 0;
  for (; f < k4; f += 4) {
    dst[d + f]! += a * src[s + f]!;
    dst[d + f + 1]! += a * src[s + f + 1]!;
    dst[d + f + 2]! += a * src[s + f + 2]!;
    dst[d + f + 3]! += a * src[s + f + 3]!;
  }
  for (; f < k; f++) dst[d + f]! += a * src[s + f]!;
}

/** Σ x[a..a+k) · y[b..b+k). */
function dot(x: Float64Array, a: number, y: Float64Array, b: number, k: number): number {
  const k4 = k & ~3;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let f = 0;
  for (; f < k4; f += 4) {
    s0 += x[a + f]! * y[b + f]!;
    s1 += x[a + f + 1]! * y[b + f + 1]!;
    s2 += x[a + f + 2]! * y[b + f + 2]!;
    s3 += x[a + f + 3]! * y[b + f + 3]!;
  }
  for (; f < k; f++) s0 += x[a + f]! * y[b + f]!;
  return s0 + s1 + s2 + s3;
}

/** Gram matrix FᵀF (k × k, row-major) of the rows of a flat factor array. */
function gram(F: Float64Array, rows: number, k: number, out: Float64Array): Float64Array {
  out.fill(0);
  rowKernels(k).gramUpper(F, 0, rows, out);
  for (let f = 0; f < k; f++) for (let g = 0; g < f; g++) out[f * k + g] = out[g * k + f]!;
  return out;
}

function sumSquares(F: Float64Array): number {
  return dot(F, 0, F, 0, F.length);
}

/** A = α·G + λ·I, plus (1 − α)·Σ h_j h_jᵀ over the entries p0..p1 of a row (h_j = other[j·k..]) when α < 1. */
function rowHessian(
  A: Float64Array,
  G: Float64Array,
  alpha: number,
  lambda: number,
  k: number,
  other: Float64Array,
  indices: Int32Array,
  p0: number,
  p1: number,
): void {
  for (let q = 0; q < k * k; q++) A[q] = alpha * G[q]!;
  if (alpha < 1) {
    for (let p = p0; p < p1; p++) {
      const o = indices[p]! * k;
      for (let f = 0; f < k; f++) {
        const v = (1 - alpha) * other[o + f]!;
        if (v !== 0) axpy(A, f * k, other, o, v, k);
      }
    }
  }
  for (let f = 0; f < k; f++) A[f * k + f]! += lambda;
}

/** Copies a flat n × k array into an ml-matrix Matrix. */
function toMatrix(F: Float64Array, rows: number, k: number): Matrix {
  const M = new Matrix(rows, k);
  matrixRows(M).forEach((row, i) => row.set(F.subarray(i * k, i * k + k)));
  return M;
}

export function nmf(R: CsrMatrix, options: NmfOptions = {}): NmfResult {
  const k = options.rank ?? 16;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-4;
  const lambda = options.regularization ?? 0.01;
  const alpha = options.unobservedWeight ?? 1;
  const rng = new Rng(options.seed ?? 42);
  const { rows: n, cols: m, indptr, indices, values } = R;
  const nnz = indices.length;

  let sum = 0;
  for (let p = 0; p < nnz; p++) sum += values[p]!;
  const sumSq = dot(values, 0, values, 0, nnz);
  // Start with predictions around the mean of the cells the loss weighs (all of them when α = 1, as
  // scikit-learn's random init: sqrt(mean / k)), so the first iterations do not spend themselves
  // shrinking factors that are far too large.
  const weightedCells = alpha * n * m + (1 - alpha) * nnz;
  const mean = weightedCells > 0 && sum > 0 ? sum / weightedCells : 1;
  const scale = Math.sqrt(mean / k);
  // With every cell weighing (α = 1) the passes run on WebAssembly SIMD kernels where the engine has
  // them (ml/nmf-wasm.ts), on arrays in the module's memory; the TypeScript kernels otherwise.
  const simd = alpha === 1 && options.simd !== false ? wasmPasses(R, k) : null;
  const W = simd?.W ?? new Float64Array(n * k);
  const H = simd?.H ?? new Float64Array(m * k);
  for (let q = 0; q < W.length; q++) W[q] = Math.abs(rng.normal()) * scale;
  for (let q = 0; q < H.length; q++) H[q] = Math.abs(rng.normal()) * scale;

  // Rᵀ, only needed for the per-column terms of the H pass when unobserved cells weigh less.
  const Rt = alpha < 1 ? transpose(R) : null;
  const GW = simd?.GW ?? new Float64Array(k * k);
  const GH = simd?.GH ?? new Float64Array(k * k);
  const gramW = () => (simd ? simd.gramW() : gram(W, n, k, GW));
  const gramH = () => (simd ? simd.gramH() : gram(H, m, k, GH));
  const A = simd?.A ?? new Float64Array(k * k);
  const b = new Float64Array(k);
  const kernels = rowKernels(k);
  /** Rᵀ·W, scattered while the rows of W are updated. */
  const RtW = simd?.RtW ?? new Float64Array(m * k);

  const lossOf = (): NmfLoss => {
    const regularization = lambda * (sumSquares(W) + sumSquares(H));
    const allPredSq = dot(GW, 0, GH, 0, k * k);
    // Σ_observed r·p and Σ_observed p² at the observed cells.
    let cross = 0;
    let observedPredSq = 0;
    for (let i = 0; i < n; i++) {
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const s = dot(W, i * k, H, indices[p]! * k, k);
        cross += values[p]! * s;
        observedPredSq += s * s;
      }
    }
    const observed = Math.max(0, sumSq - 2 * cross + observedPredSq);
    const unobserved = alpha * Math.max(0, allPredSq - observedPredSq);
    return { total: observed + unobserved + regularization, observed, unobserved, regularization };
  };

  /** Total loss after an H pass when α = 1, from Rᵀ·W (of the current W) and the Gram matrices. */
  const quickLoss = (): number => {
    const cross = dot(H, 0, RtW, 0, m * k);
    const allPredSq = dot(GW, 0, GH, 0, k * k);
    const regularization = lambda * (sumSquares(W) + sumSquares(H));
    return Math.max(0, sumSq - 2 * cross + allPredSq) + regularization;
  };

  gramW();
  gramH();
  const lossHistory: number[] = [lossOf().total];
  let converged = false;
  let iterations = 0;

  for (let it = 1; it <= maxIterations; it++) {
    // W pass: each row against the fixed H; then its entries go into Rᵀ·W for the H pass.
    RtW.fill(0);
    if (alpha === 1) {
      rowHessian(A, GH, 1, lambda, k, H, indices, 0, 0);
      if (simd) simd.wPass();
      else for (let i = 0, o = 0; i < n; i++, o += k) kernels.updateRow(A, W, o, H, RtW, indices, values, indptr[i]!, indptr[i + 1]!);
    } else {
      for (let i = 0, o = 0; i < n; i++, o += k) {
        const p0 = indptr[i]!;
        const p1 = indptr[i + 1]!;
        b.fill(0);
        for (let p = p0; p < p1; p++) axpy(b, 0, H, indices[p]! * k, values[p]!, k);
        rowHessian(A, GH, alpha, lambda, k, H, indices, p0, p1);
        kernels.sweep(A, W, o, b, 0);
        for (let p = p0; p < p1; p++) axpy(RtW, indices[p]! * k, W, o, values[p]!, k);
      }
    }
    gramW();

    // H pass: each row of H (a column of R) against the new W; its right-hand side is its row of Rᵀ·W.
    if (alpha === 1) rowHessian(A, GW, 1, lambda, k, W, indices, 0, 0);
    if (simd) simd.hPass();
    else {
      for (let j = 0, o = 0; j < m; j++, o += k) {
        if (Rt) rowHessian(A, GW, alpha, lambda, k, W, Rt.indices, Rt.indptr[j]!, Rt.indptr[j + 1]!);
        kernels.sweep(A, H, o, RtW, o);
      }
    }
    gramH();

    const loss = alpha === 1 ? quickLoss() : lossOf().total;
    const prev = lossHistory[lossHistory.length - 1]!;
    lossHistory.push(loss);
    iterations = it;
    options.onIteration?.(it, loss);
    const change = prev > 0 ? Math.abs(prev - loss) / prev : 0;
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  const finalLoss = lossOf();
  // The parts are exact; the quick total can differ from their sum only by rounding.
  lossHistory[lossHistory.length - 1] = finalLoss.total;
  return { userFactors: toMatrix(W, n, k), itemFactors: toMatrix(H, m, k), rank: k, iterations, converged, lossHistory, finalLoss };
}

/** A matrix's rows laid end to end in one array (row-major), for loops over every row. */
export interface FlatRows {
  rows: number;
  columns: number;
  data: Float64Array;
}

export function flatRows(m: Matrix): FlatRows {
  const data = new Float64Array(m.rows * m.columns);
  matrixRows(m).forEach((row, r) => data.set(row, r * m.columns));
  return { rows: m.rows, columns: m.columns, data };
}

/** Predicted scores of one user for every item: itemFactors · w. */
export function predictRow(user: ArrayLike<number>, itemFactors: FlatRows): Float64Array {
  const { rows, columns: k, data } = itemFactors;
  const out = new Float64Array(rows);
  // A typed copy of the user's factors: the inner loop then reads typed arrays only.
  const u = Float64Array.from({ length: k }, (_, f) => user[f] ?? 0);
  for (let j = 0, base = 0; j < rows; j++, base += k) {
    let s = 0;
    for (let f = 0; f < k; f++) s += u[f]! * data[base + f]!;
    out[j] = s;
  }
  return out;
}

export interface FoldInOptions {
  regularization?: number;
  unobservedWeight?: number;
  iterations?: number;
  /** itemFactorsᵀ · itemFactors, if already computed. */
  gram?: Matrix;
  /** Starting factors (e.g. the trained row); random-free default otherwise. */
  initial?: ArrayLike<number>;
}

/**
 * Factors for a user the model was not trained on (or whose history changed), with the item factors
 * held fixed: the W pass above applied to one row until it settles.
 */
export function foldIn(row: SparseVector, itemFactors: FlatRows, options: FoldInOptions = {}): Float64Array {
  const k = itemFactors.columns;
  const lambda = options.regularization ?? 0.01;
  const alpha = options.unobservedWeight ?? 1;
  const w = new Float64Array(k);
  if (row.indices.length === 0) return w;
  const H = itemFactors.data;
  const G = new Float64Array(k * k);
  if (options.gram) matrixRows(options.gram).forEach((r, f) => G.set(r, f * k));
  else gram(H, itemFactors.rows, k, G);
  const A = new Float64Array(k * k);
  rowHessian(A, G, alpha, lambda, k, H, row.indices, 0, row.indices.length);
  const b = new Float64Array(k);
  const kernels = rowKernels(k);
  let mean = 0;
  for (let p = 0; p < row.values.length; p++) {
    mean += row.values[p]! / row.values.length;
    axpy(b, 0, H, row.indices[p]! * k, row.values[p]!, k);
  }
  for (let f = 0; f < k; f++) w[f] = options.initial?.[f] ?? Math.sqrt(Math.max(mean, 1e-12) / k);
  for (let it = 0; it < (options.iterations ?? 50); it++) kernels.sweep(A, w, 0, b, 0);
  return w;
}
