// Training off the main thread: trainInWorker() runs train() in a worker_thread and streams its
// progress back, so a server stays responsive while a model trains.

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SerializedModel } from './model.ts';
import { isPacked, packDataset, type PackedDataset } from './packed.ts';
import type { Dataset, ProgressCallback, ProgressDetail, TrainingStage, TrainParams } from './types.ts';

export type WorkerMessage =
  | { type: 'progress'; stage: TrainingStage; progress: number; detail?: ProgressDetail }
  | { type: 'done'; model: SerializedModel }
  | { type: 'error'; message: string; stack?: string };

export interface TrainInWorkerOptions {
  /** Worker entry; train-worker beside this file by default. A .ts entry is loaded through tsx, a .js one as it is. */
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

/** train-worker beside this file: .ts under tsx, the compiled .js when running from dist/ (npm run build). */
const defaultWorkerUrl = new URL(`./train-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Trains in a worker thread. A packed dataset is copied to the worker as it is (its columns are
 * plain buffers), so the caller can train on it again; a plain one is packed first.
 */
export function trainInWorker(
  dataset: Dataset | PackedDataset,
  params: TrainParams,
  onProgress?: ProgressCallback,
  options: TrainInWorkerOptions = {},
): Promise<SerializedModel> {
  const entry = workerEntry(options.workerUrl ?? defaultWorkerUrl);
  return new Promise((resolve, reject) => {
    const workerData: { dataset: PackedDataset; params: TrainParams } = { dataset: isPacked(dataset) ? dataset : packDataset(dataset), params };
    const worker = new Worker(entry, { workerData, execArgv: [] });
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
