// Recommendations at scale: 10,000 traders, 2,000 products, 500 open groups (generated with
// structure by ml/synthetic.ts and loaded into the database as the API records it). Reports the
// training time and the API process's peak memory, and the latency of single recommendation
// requests next to single requests to the bare route, measured in the same run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../api/config.ts';
import { openDatabase } from '../api/db/client.ts';
import { loadOrCreateKeys } from '../api/modules/auth/keys.ts';
import { signAccessToken } from '../api/modules/auth/tokens.ts';
import { freshDatabaseEnv, root, startServer, tempDataDir, type Server } from './lib.ts';
import { benchAdmin, loadSynthetic } from './ml-data.ts';

const size = {
  traders: Number(process.env.BENCH_ML_TRADERS ?? 10_000),
  products: Number(process.env.BENCH_ML_PRODUCTS ?? 2_000),
  groups: Number(process.env.BENCH_ML_GROUPS ?? 500),
};
// 1,000 samples: the p99 is then the 10th-worst request, not the 4th-worst of 300.
const samples = Number(process.env.BENCH_ML_REQUESTS ?? 1000);
const warmup = Number(process.env.BENCH_ML_WARMUP ?? 200);

interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Single requests one after another, from a client process of its own (bench/latency-client.ts). */
function sequentialLatency(url: string, tokens: string[] = []): Promise<Latency> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/latency-client.ts', JSON.stringify({ url, tokens, warmup, samples })], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Latency) : reject(new Error(`latency client exited with ${code}`))));
  });
}

/** Peak resident memory of a process (Linux), including its worker threads. */
const peakRssMb = (pid: number) => {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
};

export async function benchRecommendations(bare: Server): Promise<void> {
  const dataDir = tempDataDir();
  const env: Record<string, string> = { DATA_DIR: dataDir, SEED_DEMO_DATA: 'false', JOBS_ENABLED: 'false', ML_TRAIN_ON_START: 'true', LOG_LEVEL: 'warn' };
  Object.assign(env, await freshDatabaseEnv());

  const loadStarted = performance.now();
  const database = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: path.join(dataDir, 'pgdata') });
  await database.migrate();
  const loaded = await loadSynthetic(database.db, size);
  // A bulk load leaves the planner without statistics, and pages without hint bits or a visibility
  // map, until autovacuum gets round to the tables (it may be off, as on this project's CI
  // machine); a database that has been running has them.
  await database.db.execute(sql`vacuum analyze`);
  await database.close();
  console.log(
    `\nRecommendations: loaded ${loaded.traders} traders, ${loaded.products} products, ${loaded.openGroups} open groups (${loaded.openParticipants} traders in them), ` +
      `${loaded.paid} paid contributions and ${loaded.events} events in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`,
  );

  const api = await startServer('api/main.ts', env, 3904);
  try {
    const login = await fetch(`${api.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(benchAdmin) });
    const admin = ((await login.json()) as { accessToken: string }).accessToken;
    // The API trains a model at start (in a worker) because none exists yet.
    const trainStarted = performance.now();
    let health: { status: string; activeVersion: string | null } = { status: 'no_model', activeVersion: null };
    while (!health.activeVersion) {
      if (performance.now() - trainStarted > 600_000) throw new Error('no model after 10 minutes');
      await new Promise((r) => setTimeout(r, 500));
      health = (await (await fetch(`${api.url}/api/admin/ml/health`, { headers: { authorization: `Bearer ${admin}` } })).json()) as typeof health;
    }
    const trainingSeconds = (performance.now() - trainStarted) / 1000;
    const peak = peakRssMb(api.process.pid!);

    const config = loadConfig({ DATA_DIR: dataDir });
    const keys = await loadOrCreateKeys(config.jwt.keysFile);
    const tokens = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signAccessToken(keys, config, { sub: loaded.traderIds[(i * 197) % loaded.traderIds.length]!, role: 'trader' })),
    );
    // Each is warmed up first (a running API has compiled its hot paths), then single requests go
    // one after another: latency, not throughput.
    const baseline = await sequentialLatency(`${bare.url}/health`);
    const recs = await sequentialLatency(`${api.url}/api/ml/recommendations?limit=10`, tokens);

    console.log(`  training (worker thread, started by the API): ${trainingSeconds.toFixed(1)} s   target < 60 s`);
    console.log(`  API peak memory while training and serving:  ${peak.toFixed(0)} MB   target < 1024 MB`);
    console.log(`  single requests one after another, ${samples} each after ${warmup} to warm up, 50 traders in turn:`);
    const row = (name: string, m: typeof recs) =>
      `    ${name.padEnd(34)}p50 ${m.p50.toFixed(2)} ms   p90 ${m.p90.toFixed(2)} ms   p99 ${m.p99.toFixed(2)} ms   max ${m.max.toFixed(1)} ms`;
    console.log(row('bare Fastify GET /health', baseline));
    console.log(`${row('GET /api/ml/recommendations', recs)}   target p99 < 20 ms`);
    console.log(`    ratio to bare                     p50 ${(recs.p50 / baseline.p50).toFixed(1)}x   p99 ${(recs.p99 / baseline.p99).toFixed(1)}x`);
  } finally {
    await api.stop();
  }
}
