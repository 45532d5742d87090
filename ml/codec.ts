// Typed arrays, matrices and sparse matrices as JSON-safe values (base64 of the raw bytes, so
// numbers round-trip exactly, NaN included).

import { Matrix } from 'ml-matrix';
import { matrixRows } from './nmf.ts';
import type { CsrMatrix } from './sparse.ts';

export interface EncodedArray {
  dtype: 'f64' | 'i32';
  length: number;
  base64: string;
}

export interface EncodedMatrix {
  rows: number;
  columns: number;
  data: EncodedArray;
}

export interface EncodedCsr {
  rows: number;
  cols: number;
  indptr: EncodedArray;
  indices: EncodedArray;
  values: EncodedArray;
}

function toBase64(a: Float64Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function bytes(e: EncodedArray, width: number): ArrayBuffer {
  const buf = Buffer.from(e.base64, 'base64');
  if (buf.byteLength !== e.length * width) throw new Error(`corrupt ${e.dtype} array: ${buf.byteLength} bytes for ${e.length} values`);
  // Copy into a fresh, aligned ArrayBuffer.
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

export function encodeF64(a: ArrayLike<number>): EncodedArray {
  const arr = a instanceof Float64Array ? a : Float64Array.from(a);
  return { dtype: 'f64', length: arr.length, base64: toBase64(arr) };
}

export function encodeI32(a: ArrayLike<number>): EncodedArray {
  const arr = a instanceof Int32Array ? a : Int32Array.from(a);
  return { dtype: 'i32', length: arr.length, base64: toBase64(arr) };
}

export function decodeF64(e: EncodedArray): Float64Array {
  if (e.dtype !== 'f64') throw new Error(`expected f64, got ${e.dtype}`);
  return new Float64Array(bytes(e, 8));
}

export function decodeI32(e: EncodedArray): Int32Array {
  if (e.dtype !== 'i32') throw new Error(`expected i32, got ${e.dtype}`);
  return new Int32Array(bytes(e, 4));
}

export function encodeMatrix(m: Matrix): EncodedMatrix {
  const flat = new Float64Array(m.rows * m.columns);
  matrixRows(m).forEach((row, i) => flat.set(row, i * m.columns));
  return { rows: m.rows, columns: m.columns, data: encodeF64(flat) };
}

export function decodeMatrix(e: EncodedMatrix): Matrix {
  const flat = decodeF64(e.data);
  const m = new Matrix(e.rows, e.columns);
  matrixRows(m).forEach((row, i) => row.set(flat.subarray(i * e.columns, (i + 1) * e.columns)));
  return m;
}

export function encodeCsr(m: CsrMatrix): EncodedCsr {
  return { rows: m.rows, cols: m.cols, indptr: encodeI32(m.indptr), indices: encodeI32(m.indices), values: encodeF64(m.values) };
}

export function decodeCsr(e: EncodedCsr): CsrMatrix {
  return { rows: e.rows, cols: e.cols, indptr: decodeI32(e.indptr), indices: decodeI32(e.indices), values: decodeF64(e.values) };
}
