// Training off the main thread: trainInWorker() runs train() in a worker_thread and streams its
// progress back, so a server stays responsive while a model trains.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SerializedModel } from './model.ts';
import { toMillis } from './time.ts';
import type { Dataset, Interaction, InteractionKind, ProgressCallback, ProgressDetail, TrainingStage, TrainParams } from './types.ts';

export type WorkerMessage =
  | { type: 'progress'; stage: TrainingStage; progress: number; detail?: ProgressDetail }
  | { type: 'done'; model: SerializedModel }
  | { type: 'error'; message: string; stack?: string };

export interface TrainInWorkerOptions {
  /** Worker entry; ml/train-worker.ts by default. A .ts entry is loaded through tsx. */
  workerUrl?: URL;
  /** Rejects (and stops the worker) after this long. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Node 20 does not apply `--import tsx` to a worker's entry module, so a .ts entry is started from a
 * small ES module (a data: URL) that imports it through tsx's tsImport().
 */
function workerEntry(url: URL): URL {
  if (!url.pathname.endsWith('.ts')) return url;
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const code = `const { tsImport } = await import(${JSON.stringify(tsxApi)});\nawait tsImport(${JSON.stringify(url.href)}, import.meta.url);\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

const KINDS: readonly InteractionKind[] = ['paid', 'join', 'click', 'view'];

/**
 * Interactions as columns of typed arrays plus string tables. Structured-cloning half a million
 * interaction objects would copy every id string and Date; these buffers are transferred instead.
 */
export interface PackedInteractions {
  traderIds: string[];
  productIds: string[];
  trader: Int32Array;
  product: Int32Array;
  kind: Uint8Array;
  at: Float64Array;
  /** NaN when absent. */
  quantity: Float64Array;
}

export function packInteractions(dataset: Dataset): PackedInteractions {
  const traderIds: string[] = [];
  const productIds: string[] = [];
  const traderCode = new Map<string, number>();
  const productCode = new Map<string, number>();
  const code = (id: string, table: string[], index: Map<string, number>) => {
    let c = index.get(id);
    if (c === undefined) {
      c = table.length;
      table.push(id);
      index.set(id, c);
    }
    return c;
  };
  for (const t of dataset.traders) code(t.id, traderIds, traderCode);
  for (const p of dataset.products) code(p.id, productIds, productCode);
  const n = dataset.interactions.length;
  const packed: PackedInteractions = {
    traderIds,
    productIds,
    trader: new Int32Array(n),
    product: new Int32Array(n),
    kind: new Uint8Array(n),
    at: new Float64Array(n),
    quantity: new Float64Array(n),
  };
  dataset.interactions.forEach((it, i) => {
    packed.trader[i] = code(it.traderId, traderIds, traderCode);
    packed.product[i] = code(it.productId, productIds, productCode);
    const k = KINDS.indexOf(it.kind);
    packed.kind[i] = k < 0 ? 255 : k;
    packed.at[i] = toMillis(it.at);
    packed.quantity[i] = it.quantity ?? Number.NaN;
  });
  return packed;
}

export function unpackInteractions(p: PackedInteractions): Interaction[] {
  const out: Interaction[] = new Array(p.trader.length);
  for (let i = 0; i < out.length; i++) {
    const q = p.quantity[i]!;
    const it: Interaction = {
      traderId: p.traderIds[p.trader[i]!]!,
      productId: p.productIds[p.product[i]!]!,
      kind: (KINDS[p.kind[i]!] ?? 'unknown') as InteractionKind,
      at: p.at[i]!,
    };
    if (!Number.isNaN(q)) it.quantity = q;
    out[i] = it;
  }
  return out;
}

export function trainInWorker(
  dataset: Dataset,
  params: TrainParams,
  onProgress?: ProgressCallback,
  options: TrainInWorkerOptions = {},
): Promise<SerializedModel> {
  const entry = workerEntry(options.workerUrl ?? new URL('./train-worker.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const packed = packInteractions(dataset);
    const workerData = { dataset: { ...dataset, interactions: [] }, interactions: packed, params };
    const transferList = [packed.trader, packed.product, packed.kind, packed.at, packed.quantity].map((a) => a.buffer as ArrayBuffer);
    const worker = new Worker(entry, { workerData, transferList, execArgv: [] });
    let settled = false;
    const finish = (err: Error | null, model?: SerializedModel) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve(model!);
    };
    const onAbort = () => finish(new Error('training aborted'));
    const timer = options.timeoutMs ? setTimeout(() => finish(new Error(`training timed out after ${options.timeoutMs} ms`)), options.timeoutMs) : null;
    options.signal?.addEventListener('abort', onAbort);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.(m.stage, m.progress, m.detail);
      else if (m.type === 'done') finish(null, m.model);
      else {
        const e = new Error(`training failed in worker: ${m.message}`);
        if (m.stack) e.stack = m.stack;
        finish(e);
      }
    });
    worker.on('error', (e) => finish(e));
    worker.on('exit', (code) => finish(new Error(`training worker exited with code ${code} before finishing`)));
  });
}
