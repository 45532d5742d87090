// The Bree worker for every job in api/modules/jobs/registry.ts. It does no work itself: the work
// needs the database, and PGlite can only be used by the thread that opened it, so this worker asks
// the main thread to run the job (see api/modules/jobs/scheduler.ts) and stays alive until the
// main thread answers. While it is alive Bree counts the job as running and will not start it again.
//
// Plain JavaScript on purpose: Node 20 does not apply tsx's loader (`--import tsx`) inside worker
// threads, so a .ts worker fails with ERR_UNKNOWN_FILE_EXTENSION.
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('jobs/worker.js is a Bree worker: it runs inside the scheduler, not on its own');
const port = parentPort;
const name = workerData.job.name;

port.on('message', (message) => {
  // On 'cancel' (scheduler stopping) the worker keeps waiting: the run is already under way in the
  // main thread, which always answers, and Bree's stop() waits for it.
  if (message && typeof message === 'object' && message.type === 'finished') port.close();
});
port.postMessage({ type: 'run', name });
