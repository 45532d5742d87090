// The NMF solver's W and H passes for α = 1 (every cell weighs, scikit-learn's objective) on
// WebAssembly SIMD kernels (ml/wasm/nmf-kernels.wat): the same arithmetic as the TypeScript
// kernels, two factors per instruction and without a bounds check per element, which is what the
// sparse products cost in V8. The solver's arrays (A, the factors, Rᵀ·W, the Gram matrices) live in
// the module's memory so both sides work on them in place. The matrix is not copied in whole (that
// would add its size to the solver's memory): each call's rows are copied into a staging area, one
// copy of the matrix per W pass. Where WebAssembly SIMD is not available (or the arrays would not
// fit in its 32-bit memory) this returns null and the solver keeps its TypeScript kernels.
import type { CsrMatrix } from './sparse.ts';
import { nmfKernelsWasm } from './wasm/nmf-kernels.ts';

export interface WasmPasses {
  /** k × k, row-major: the Hessian of the pass about to run (HᵀH + λI, then WᵀW + λI). */
  A: Float64Array;
  W: Float64Array;
  H: Float64Array;
  RtW: Float64Array;
  /** The Gram matrices WᵀW and HᵀH (k × k, row-major), as gramW() and gramH() leave them. */
  GW: Float64Array;
  GH: Float64Array;
  gramW(): void;
  gramH(): void;
  /** Every row of W against A and H; fills RtW (which must be zero). */
  wPass(): void;
  /** Every row of H against A, with its row of RtW. */
  hPass(): void;
}

// The engine's WebAssembly API, typed as far as this module uses it (the project's TypeScript
// libraries do not declare it).
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  wPass(A: number, W: number, H: number, RtW: number, indptr: number, indices: number, values: number, base: number, i0: number, i1: number, k: number, b: number): void;
  hPass(A: number, H: number, RtW: number, j0: number, j1: number, k: number): void;
  gramUpper(F: number, r0: number, r1: number, k: number, out: number): void;
}

let compiled: object | null | undefined;

function kernelsModule(): object | null {
  if (compiled === undefined) {
    try {
      compiled = new wasm.Module(Uint8Array.from(atob(nmfKernelsWasm), (c) => c.charCodeAt(0)));
    } catch {
      compiled = null; // no SIMD in this engine
    }
  }
  return compiled ?? null;
}

const page = 65_536;
/**
 * Rows per call. V8 first runs a module on its baseline compiler and swaps in the optimized code
 * for a function's later calls once it has run hot; one call per pass would spend the first
 * passes on the baseline code (a quarter of the bench's run).
 */
const chunk = 512;
/** Below 2 GiB: byte offsets stay positive int32 on both sides. */
const maxBytes = 2 ** 31 - page;

export function wasmPasses(R: CsrMatrix, k: number): WasmPasses | null {
  const mod = kernelsModule();
  if (!mod) return null;
  const { rows: n, cols: m, indptr } = R;
  // The staging area holds the most entries any call's rows have.
  let staged = 0;
  for (let i = 0; i < n; i += chunk) staged = Math.max(staged, indptr[Math.min(n, i + chunk)]! - indptr[i]!);
  let top = 16;
  const take = (bytes: number) => {
    const at = top;
    top += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const at = {
    A: take(k * k * 8),
    GW: take(k * k * 8),
    GH: take(k * k * 8),
    b: take(k * 8),
    W: take(n * k * 8),
    H: take(m * k * 8),
    RtW: take(m * k * 8),
    indptr: take((n + 1) * 4),
    indices: take(staged * 4),
    values: take(staged * 8),
  };
  if (top > maxBytes) return null;
  const x = new wasm.Instance(mod).exports as Exports;
  const have = x.memory.buffer.byteLength / page;
  const need = Math.ceil(top / page);
  if (need > have) x.memory.grow(need - have);
  // Views after the growth: growing detaches the buffer the earlier ones were on.
  const buffer = x.memory.buffer;
  new Int32Array(buffer, at.indptr, n + 1).set(indptr);
  const indices = new Int32Array(buffer, at.indices, staged);
  const values = new Float64Array(buffer, at.values, staged);
  const GW = new Float64Array(buffer, at.GW, k * k);
  const GH = new Float64Array(buffer, at.GH, k * k);
  const gram = (F: number, rows: number, out: Float64Array, outAt: number) => {
    out.fill(0);
    for (let r = 0; r < rows; r += chunk) x.gramUpper(F, r, Math.min(rows, r + chunk), k, outAt);
    for (let f = 0; f < k; f++) for (let g = 0; g < f; g++) out[f * k + g] = out[g * k + f]!;
  };
  return {
    GW,
    GH,
    gramW: () => gram(at.W, n, GW, at.GW),
    gramH: () => gram(at.H, m, GH, at.GH),
    A: new Float64Array(buffer, at.A, k * k),
    W: new Float64Array(buffer, at.W, n * k),
    H: new Float64Array(buffer, at.H, m * k),
    RtW: new Float64Array(buffer, at.RtW, m * k),
    wPass: () => {
      for (let i = 0; i < n; i += chunk) {
        const end = Math.min(n, i + chunk);
        const p0 = indptr[i]!;
        const p1 = indptr[end]!;
        indices.set(R.indices.subarray(p0, p1));
        values.set(R.values.subarray(p0, p1));
        x.wPass(at.A, at.W, at.H, at.RtW, at.indptr, at.indices, at.values, p0, i, end, k, at.b);
      }
    },
    hPass: () => {
      for (let j = 0; j < m; j += chunk) x.hPass(at.A, at.H, at.RtW, j, Math.min(m, j + chunk), k);
    },
  };
}
