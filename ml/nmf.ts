// Non-negative matrix factorization R ≈ W · Hᵀ by multiplicative updates, written for sparse R.
//
// Loss (what lossHistory reports):
//   L = Σ_observed (r − p)²  +  α · Σ_unobserved p²  +  λ · (‖W‖² + ‖H‖²),   p = (W·Hᵀ)_ij
// α (unobservedWeight) treats missing cells as weak zeros (implicit feedback): α = 0 fits observed
// cells only, α = 1 is classical NMF of the zero-filled matrix. Nothing dense of size n × m is
// built: p is computed only at observed cells, Σ_unobserved p² = ‖W·Hᵀ‖² − Σ_observed p² with
// ‖W·Hᵀ‖² = Σ_fg (WᵀW)_fg (HᵀH)_fg, and the update terms are sparse R × H products plus k × k Gram
// matrices. Updates (Lee & Seung, with weights C = α + (1 − α)·mask and an L2 penalty):
//   W ← W ⊙ (R·H) / (α·W·(HᵀH) + (1 − α)·(P_obs·H) + λ·W)
//   H ← H ⊙ (Rᵀ·W) / (α·H·(WᵀW) + (1 − α)·(P_obsᵀ·W) + λ·H)
// which never increase the loss. Cost per iteration: O(nnz · k + (n + m) · k²).

import { Matrix } from 'ml-matrix';
import { Rng } from './random.ts';
import type { CsrMatrix, SparseVector } from './sparse.ts';

export interface NmfOptions {
  rank?: number;
  maxIterations?: number;
  /** Stop when (L_prev − L) / L_prev < tolerance. */
  tolerance?: number;
  regularization?: number;
  unobservedWeight?: number;
  seed?: number;
  onIteration?: (iteration: number, loss: NmfLoss) => void;
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
  /** lossHistory[0] is the loss of the initial factors, lossHistory[t] after iteration t. */
  lossHistory: NmfLoss[];
}

const EPS = 1e-12;

/** The row arrays inside an ml-matrix Matrix (it stores one Float64Array per row), for tight loops. */
export function matrixRows(m: Matrix): Float64Array[] {
  const data = (m as unknown as { data?: unknown }).data;
  if (Array.isArray(data) && data.length === m.rows && (m.rows === 0 || data[0] instanceof Float64Array)) {
    return data as Float64Array[];
  }
  throw new Error('unexpected ml-matrix layout: rows are not Float64Arrays');
}

function randomFactors(rows: number, rank: number, scale: number, rng: Rng): Matrix {
  const m = new Matrix(rows, rank);
  for (const row of matrixRows(m)) for (let f = 0; f < rank; f++) row[f] = (0.5 + rng.random()) * scale;
  return m;
}

function gramRows(m: Matrix): Float64Array[] {
  return matrixRows(m.gram());
}

function frobeniusSq(rows: Float64Array[]): number {
  let s = 0;
  for (const r of rows) for (let f = 0; f < r.length; f++) s += r[f]! * r[f]!;
  return s;
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
  const meanObserved = nnz > 0 ? sum / nnz : 1;
  // Start with predictions around the mean observed value.
  const scale = Math.sqrt(meanObserved / k);
  const W = randomFactors(n, k, scale, rng);
  const H = randomFactors(m, k, scale, rng);
  const Wr = matrixRows(W);
  const Hr = matrixRows(H);
  const pred = new Float64Array(nnz);

  const predictObserved = () => {
    for (let i = 0; i < n; i++) {
      const w = Wr[i]!;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const h = Hr[indices[p]!]!;
        let s = 0;
        for (let f = 0; f < k; f++) s += w[f]! * h[f]!;
        pred[p] = s;
      }
    }
  };

  /** gw = WᵀW and gh = HᵀH of the current factors. */
  const computeLoss = (gw: Float64Array[], gh: Float64Array[]): NmfLoss => {
    let observed = 0;
    let observedPredSq = 0;
    for (let p = 0; p < nnz; p++) {
      const d = values[p]! - pred[p]!;
      observed += d * d;
      observedPredSq += pred[p]! * pred[p]!;
    }
    let allPredSq = 0;
    for (let f = 0; f < k; f++) for (let g = 0; g < k; g++) allPredSq += gw[f]![g]! * gh[f]![g]!;
    const unobserved = alpha * Math.max(0, allPredSq - observedPredSq);
    const regularization = lambda * (frobeniusSq(Wr) + frobeniusSq(Hr));
    return { total: observed + unobserved + regularization, observed, unobserved, regularization };
  };

  // The k × k Gram matrices are computed once per factor update and shared by the next update and the loss.
  let gw = gramRows(W);
  let gh = gramRows(H);
  predictObserved();
  const lossHistory: NmfLoss[] = [computeLoss(gw, gh)];
  let converged = false;
  let iterations = 0;
  const num = new Float64Array(k);
  const den = new Float64Array(k);
  const numH = new Float64Array(m * k);
  const denH = new Float64Array(m * k);

  for (let it = 1; it <= maxIterations; it++) {
    // W step: rows are independent given H.
    for (let i = 0; i < n; i++) {
      const w = Wr[i]!;
      num.fill(0);
      den.fill(0);
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const h = Hr[indices[p]!]!;
        const r = values[p]!;
        const pr = (1 - alpha) * pred[p]!;
        for (let f = 0; f < k; f++) {
          num[f]! += r * h[f]!;
          den[f]! += pr * h[f]!;
        }
      }
      for (let f = 0; f < k; f++) {
        let wg = 0;
        for (let g = 0; g < k; g++) wg += w[g]! * gh[g]![f]!;
        den[f]! += alpha * wg + lambda * w[f]!;
      }
      for (let f = 0; f < k; f++) w[f] = (w[f]! * num[f]!) / (den[f]! + EPS);
    }
    predictObserved();

    // H step: scatter Rᵀ·W and P_obsᵀ·W from the rows of R.
    gw = gramRows(W);
    numH.fill(0);
    denH.fill(0);
    for (let i = 0; i < n; i++) {
      const w = Wr[i]!;
      for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
        const base = indices[p]! * k;
        const r = values[p]!;
        const pr = (1 - alpha) * pred[p]!;
        for (let f = 0; f < k; f++) {
          numH[base + f]! += r * w[f]!;
          denH[base + f]! += pr * w[f]!;
        }
      }
    }
    for (let j = 0; j < m; j++) {
      const h = Hr[j]!;
      const base = j * k;
      for (let f = 0; f < k; f++) {
        let hg = 0;
        for (let g = 0; g < k; g++) hg += h[g]! * gw[g]![f]!;
        den[f] = denH[base + f]! + alpha * hg + lambda * h[f]!;
      }
      for (let f = 0; f < k; f++) h[f] = (h[f]! * numH[base + f]!) / (den[f]! + EPS);
    }
    predictObserved();
    gh = gramRows(H);

    const loss = computeLoss(gw, gh);
    const prev = lossHistory[lossHistory.length - 1]!;
    lossHistory.push(loss);
    iterations = it;
    options.onIteration?.(it, loss);
    const improvement = prev.total > 0 ? (prev.total - loss.total) / prev.total : 0;
    if (improvement < tolerance) {
      converged = true;
      break;
    }
  }
  return { userFactors: W, itemFactors: H, rank: k, iterations, converged, lossHistory };
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
 * held fixed: the W step above applied to one row until it settles.
 */
export function foldIn(row: SparseVector, itemFactors: Matrix, options: FoldInOptions = {}): Float64Array {
  const k = itemFactors.columns;
  const lambda = options.regularization ?? 0.01;
  const alpha = options.unobservedWeight ?? 1;
  const Hr = matrixRows(itemFactors);
  const gh = matrixRows(options.gram ?? itemFactors.gram());
  const w = new Float64Array(k);
  let mean = 0;
  for (let p = 0; p < row.values.length; p++) mean += row.values[p]! / Math.max(1, row.values.length);
  for (let f = 0; f < k; f++) w[f] = options.initial?.[f] ?? Math.sqrt(Math.max(mean, EPS) / k);
  if (row.indices.length === 0) return new Float64Array(k);
  const num = new Float64Array(k);
  const den = new Float64Array(k);
  for (let it = 0; it < (options.iterations ?? 50); it++) {
    num.fill(0);
    den.fill(0);
    for (let p = 0; p < row.indices.length; p++) {
      const h = Hr[row.indices[p]!]!;
      let pr = 0;
      for (let f = 0; f < k; f++) pr += w[f]! * h[f]!;
      pr *= 1 - alpha;
      const r = row.values[p]!;
      for (let f = 0; f < k; f++) {
        num[f]! += r * h[f]!;
        den[f]! += pr * h[f]!;
      }
    }
    for (let f = 0; f < k; f++) {
      let wg = 0;
      for (let g = 0; g < k; g++) wg += w[g]! * gh[g]![f]!;
      den[f]! += alpha * wg + lambda * w[f]!;
    }
    for (let f = 0; f < k; f++) w[f] = (w[f]! * num[f]!) / (den[f]! + EPS);
  }
  return w;
}
