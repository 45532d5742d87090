// Worker-thread entry: trains on the dataset it was given and posts progress, then the serialized
// model. Loaded by worker.ts through tsx, so it can be TypeScript.

import { parentPort, workerData } from 'node:worker_threads';
import { serialize, train } from './model.ts';
import type { Dataset, TrainParams } from './types.ts';
import { unpackInteractions, type PackedDataset } from './packed.ts';
import type { WorkerMessage } from './worker.ts';

const port = parentPort;
if (!port) throw new Error('train-worker.ts must run in a worker thread');
const data = workerData as { dataset: PackedDataset; params: TrainParams };
const dataset: Dataset = { ...data.dataset, interactions: unpackInteractions(data.dataset.interactions) };
const params = data.params;
const post = (message: WorkerMessage) => port.postMessage(message);

try {
  const model = train(dataset, params, (stage, progress, detail) => post({ type: 'progress', stage, progress, ...(detail ? { detail } : {}) }));
  post({ type: 'done', model: serialize(model) });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
}
