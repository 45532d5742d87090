// The hold-out evaluation tables of the README: NDCG@10, recall@10 and catalog coverage of each
// component (CF, content, item kNN), popularity and the hybrid, on three datasets: the demo data
// (seeded into an in-memory PGlite and read back as the API trains on it), the bench's synthetic
// 10,000 traders × 2,000 products, and the retail-shaped transactions of test/ml/retail.ts.
// `npx tsx bench/ml-evaluate.ts [demo,synthetic,retail]`.
import { openDatabase } from '../api/db/client.ts';
import { buildDataset } from '../api/modules/ml/dataset.ts';
import { seedDemoData } from '../api/seed/demo.ts';
import { evaluateModel, temporalSplit } from '../ml/evaluate.ts';
import { DEFAULT_HYBRID_WEIGHTS, generateSynthetic, train, type Dataset } from '../ml/index.ts';
import { unpackInteractions } from '../ml/packed.ts';
import { retailDataset } from '../test/ml/retail.ts';

async function demo(): Promise<Dataset> {
  const database = await openDatabase({ pgliteDir: 'memory://' });
  await database.migrate();
  const now = new Date();
  await seedDemoData(database.db, { now });
  const packed = await buildDataset(database.db, { now, zwgPerUsd: 26.5 });
  return { ...packed, interactions: unpackInteractions(packed.interactions) };
}

const datasets: Record<string, () => Promise<Dataset> | Dataset> = {
  demo,
  synthetic: () => generateSynthetic({ traders: 10_000, products: 2_000, groups: 0, seed: 11, sessionsPerTrader: 26 }).dataset,
  retail: () => retailDataset(),
};

const only = (process.argv[2] ?? 'demo,synthetic,retail').split(',');
for (const name of only) {
  const data = await datasets[name]!();
  const t0 = performance.now();
  const model = train(data, { version: name });
  const ms = performance.now() - t0;
  const h = model.meta.metrics.holdout;
  const f = model.meta.metrics.fusion;
  console.log(`\n## ${name}: ${data.traders.length} traders, ${data.products.length} products, ${data.interactions.length} interactions (trained in ${(ms / 1000).toFixed(1)} s)`);
  if (!h || !f) {
    console.log('no hold-out: too little data');
    continue;
  }
  // The 60/30/10 default on the same hold-out model, with every adjustment as served before.
  const split = temporalSplit(data, { holdoutFraction: 0.2 });
  const before = train(split.train, { version: `${name}-default`, evaluation: false, clustering: { k: model.clusters.k } });
  const fixed = evaluateModel(before, split, { k: 10, maxTraders: 1000, seed: 42, hybridWeights: DEFAULT_HYBRID_WEIGHTS });
  console.log(`hold-out after ${h.cutoff.slice(0, 10)}: ${h.tradersEvaluated} traders (${h.traders.returning} returning, ${h.traders.coldStart} cold start)`);
  console.log('| ranker | NDCG@10 | recall@10 | coverage |');
  console.log('|---|---|---|---|');
  const row = (label: string, m: { ndcg: number; recall: number; coverage: number }) =>
    console.log(`| ${label} | ${m.ndcg.toFixed(3)} | ${m.recall.toFixed(3)} | ${m.coverage.toFixed(3)} |`);
  for (const r of ['popularity', 'cf', 'content', 'itemKnn'] as const) row(r, h.components[r]);
  const w = Object.entries(f.weights).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
  row(`hybrid (${w}${f.inactivityShift ? '' : '; no inactivity shift'})`, h.components.hybrid);
  row('hybrid, default 60/30/10 untuned', fixed.components.hybrid);
  for (const [path, v] of Object.entries(h.byPath)) {
    if (v.traders > 0) console.log(`${path} path, ${v.traders} traders: ${Object.entries(v.ndcg).map(([r, x]) => `${r} ${x.toFixed(3)}`).join(', ')}`);
  }
  console.log(`fusion: ${f.chosen}; validation NDCG@10 default ${f.validation?.defaultNdcg.toFixed(3) ?? '-'}, best ${f.validation?.bestNdcg.toFixed(3) ?? '-'}`);
  console.log(`verdict: ${f.verdict}`);
  const c = model.meta.metrics.clustering;
  console.log(`cf: ${model.meta.metrics.cf.converged ? 'converged' : 'not converged'} after ${model.meta.metrics.cf.iterations} iterations; clustering: K = ${c.k} (${c.search}${c.skipped ? `; ${c.skipped}` : ''}); stage ms ${JSON.stringify(Object.fromEntries(Object.entries(model.meta.metrics.timingsMs).map(([k, v]) => [k, Math.round(v ?? 0)])))}`);
}
