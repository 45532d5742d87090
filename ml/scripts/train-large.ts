// Large training run: 10,000 traders × 2,000 products (~200k nonzeros), 500 open groups.
// Reports stage timings, peak memory, NMF convergence, hold-out metrics, model size and serving
// latency. Run: npx tsx ml/scripts/train-large.ts [--traders N] [--products N] [--worker] [--no-eval]

import { deserialize, generateSynthetic, recommend, serialize, train, trainInWorker } from '../index.ts';
import type { TrainingStage } from '../types.ts';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const traders = arg('traders', 10_000);
const products = arg('products', 2_000);
const groups = arg('groups', 500);
const useWorker = args.includes('--worker');
const evaluation = !args.includes('--no-eval');

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
};

const t0 = performance.now();
const syn = generateSynthetic({ traders, products, groups, seed: 11, sessionsPerTrader: 26 });
sample();
const tGen = performance.now() - t0;
console.log(
  `generated ${traders} traders, ${products} products, ${syn.dataset.interactions.length} interactions, ${groups} groups in ${(tGen / 1000).toFixed(1)} s (rss ${mb(process.memoryUsage().rss)})`,
);

const stageStart = new Map<TrainingStage, number>();
const onProgress = (stage: TrainingStage, progress: number, detail?: { message: string }) => {
  sample();
  if (!stageStart.has(stage)) {
    stageStart.set(stage, performance.now());
    console.log(`  [${(progress * 100).toFixed(0).padStart(3)}%] ${stage}: ${detail?.message ?? ''}`);
  }
};
const params = { version: 'bench', evaluation: evaluation ? { maxTraders: 2000 } : (false as const) };

const t1 = performance.now();
const cpu0 = process.cpuUsage();
let model;
if (useWorker) {
  const serialized = await trainInWorker(syn.dataset, params, onProgress);
  model = deserialize(serialized);
} else {
  model = train(syn.dataset, params, onProgress);
}
sample();
const tTrain = performance.now() - t1;
const cpu = process.cpuUsage(cpu0);

const m = model.meta;
console.log(
  `\ntrained in ${(tTrain / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU` +
    `${useWorker ? ' (worker thread: CPU includes it, peak RSS is the whole process)' : ''}`,
);
console.log(`  nonzeros: ${m.counts.nonzeros}, interactions used ${m.dataWindow.interactionsUsed}`);
console.log('  stage timings (ms):', Object.fromEntries(Object.entries(m.metrics.timingsMs).map(([k, v]) => [k, Math.round(v ?? 0)])));
console.log(
  `  NMF rank ${m.metrics.cf.rank}: ${m.metrics.cf.iterations} iterations, converged ${m.metrics.cf.converged}, loss ${m.metrics.cf.initialLoss.toFixed(0)} → ${m.metrics.cf.finalLoss.toFixed(0)}`,
);
console.log(`  clustering: k = ${m.metrics.clustering.k}, silhouette ${m.metrics.clustering.silhouette.toFixed(3)} (sampled: ${m.metrics.clustering.silhouetteSampled})`);
const h = m.metrics.holdout;
if (h) {
  console.log(`  hold-out (${h.tradersEvaluated} traders, @${h.k}):`);
  for (const [name, c] of Object.entries(h.components)) {
    console.log(
      `    ${name.padEnd(10)} precision ${c.precision.toFixed(3)} recall ${c.recall.toFixed(3)} ndcg ${c.ndcg.toFixed(3)} map ${c.map.toFixed(3)} coverage ${c.coverage.toFixed(3)}`,
    );
  }
}
console.log(`  peak rss ${mb(peakRss)}, peak heap used ${mb(peakHeap)}`);

const t2 = performance.now();
const json = JSON.stringify(serialize(model));
const tSer = performance.now() - t2;
const t3 = performance.now();
const loaded = deserialize(JSON.parse(json));
const tDe = performance.now() - t3;
sample();
console.log(`\nserialized: ${mb(json.length)} JSON in ${tSer.toFixed(0)} ms; deserialized in ${tDe.toFixed(0)} ms`);

const latencies: number[] = [];
const ids = syn.dataset.traders.map((t) => t.id);
for (let i = 0; i < 200; i++) {
  const traderId = ids[(i * 7919) % ids.length]!;
  const s = performance.now();
  recommend(loaded, { traderId }, syn.groups, { marketCoordinates: syn.marketCoordinates, limit: 10 });
  latencies.push(performance.now() - s);
}
latencies.sort((a, b) => a - b);
const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1);
console.log(`recommend() over ${groups} groups: p50 ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`);
sample();
console.log(`final peak rss ${mb(peakRss)}`);
