// Compressed sparse row (CSR) matrices and sparse vectors. Nothing here densifies a matrix.

export interface CsrMatrix {
  rows: number;
  cols: number;
  /** rows + 1 offsets into indices/values. */
  indptr: Int32Array;
  /** Column index of each stored entry, increasing within a row. */
  indices: Int32Array;
  values: Float64Array;
}

export interface SparseVector {
  /** Increasing indices. */
  indices: Int32Array;
  values: Float64Array;
}

export function nnz(m: CsrMatrix): number {
  return m.indices.length;
}

/** Builds a CSR matrix from one Map (column → value) per row. */
export function csrFromRowMaps(rowMaps: ReadonlyArray<Map<number, number> | undefined>, cols: number): CsrMatrix {
  const rows = rowMaps.length;
  let total = 0;
  for (const row of rowMaps) total += row?.size ?? 0;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const row = rowMaps[i];
    if (row && row.size > 0) {
      const cols = [...row.keys()].sort((a, b) => a - b);
      for (const c of cols) {
        indices[p] = c;
        values[p] = row.get(c) ?? 0;
        p++;
      }
    }
    indptr[i + 1] = p;
  }
  return { rows, cols, indptr, indices, values };
}

/** The transpose, i.e. the same matrix in compressed sparse column form. */
export function transpose(m: CsrMatrix): CsrMatrix {
  const counts = new Int32Array(m.cols + 1);
  for (let p = 0; p < m.indices.length; p++) counts[(m.indices[p] as number) + 1]!++;
  for (let c = 0; c < m.cols; c++) counts[c + 1]! += counts[c]!;
  const indptr = Int32Array.from(counts);
  const next = Int32Array.from(counts.subarray(0, m.cols));
  const indices = new Int32Array(m.indices.length);
  const values = new Float64Array(m.indices.length);
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]!; p < m.indptr[r + 1]!; p++) {
      const c = m.indices[p]!;
      const q = next[c]!++;
      indices[q] = r;
      values[q] = m.values[p]!;
    }
  }
  return { rows: m.cols, cols: m.rows, indptr, indices, values };
}

/** Stacks sparse vectors as the rows of one CSR matrix. */
export function csrFromVectors(vectors: readonly SparseVector[], cols: number): CsrMatrix {
  let total = 0;
  for (const v of vectors) total += v.indices.length;
  const indptr = new Int32Array(vectors.length + 1);
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  vectors.forEach((v, r) => {
    indices.set(v.indices, indptr[r]!);
    values.set(v.values, indptr[r]!);
    indptr[r + 1] = indptr[r]! + v.indices.length;
  });
  return { rows: vectors.length, cols, indptr, indices, values };
}

export function rowOf(m: CsrMatrix, r: number): SparseVector {
  const start = m.indptr[r] ?? 0;
  const end = m.indptr[r + 1] ?? start;
  return { indices: m.indices.subarray(start, end), values: m.values.subarray(start, end) };
}

export function rowLength(m: CsrMatrix, r: number): number {
  return (m.indptr[r + 1] ?? 0) - (m.indptr[r] ?? 0);
}

/** Applies f to every stored value (returns a new matrix sharing the structure arrays). */
export function mapValues(m: CsrMatrix, f: (v: number) => number): CsrMatrix {
  const values = new Float64Array(m.values.length);
  for (let p = 0; p < values.length; p++) values[p] = f(m.values[p]!);
  return { ...m, values };
}

export function sparseFromMap(entries: Map<number, number>): SparseVector {
  const keys = [...entries.keys()].sort((a, b) => a - b);
  const indices = new Int32Array(keys.length);
  const values = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    indices[i] = k;
    values[i] = entries.get(k) ?? 0;
  });
  return { indices, values };
}

export function sparseDot(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.indices.length && j < b.indices.length) {
    const ai = a.indices[i]!;
    const bj = b.indices[j]!;
    if (ai === bj) {
      sum += a.values[i]! * b.values[j]!;
      i++;
      j++;
    } else if (ai < bj) i++;
    else j++;
  }
  return sum;
}

export function sparseNorm(a: SparseVector): number {
  let s = 0;
  for (let i = 0; i < a.values.length; i++) s += a.values[i]! * a.values[i]!;
  return Math.sqrt(s);
}
