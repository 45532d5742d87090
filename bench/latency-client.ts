// Sends single requests one after another and prints their latency percentiles as JSON. It runs as
// a process of its own, like a partner app: the bench process holds the generated data it loaded
// into the database, and its garbage collections would otherwise count as request latency.
// Requests go through undici's request(), the HTTP client the SDK uses.
import { request } from 'undici';

interface Job {
  url: string;
  /** Bearer tokens used in turn; none for an open route. */
  tokens: string[];
  warmup: number;
  samples: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
let turn = 0;

async function once(): Promise<number> {
  const token = job.tokens.length ? job.tokens[turn++ % job.tokens.length] : undefined;
  const t0 = performance.now();
  const res = await request(job.url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  await res.body.arrayBuffer();
  if (res.statusCode !== 200) throw new Error(`${job.url} answered ${res.statusCode}`);
  return performance.now() - t0;
}

for (let i = 0; i < job.warmup; i++) await once();
const times: number[] = [];
for (let i = 0; i < job.samples; i++) times.push(await once());
times.sort((a, b) => a - b);
const at = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
process.stdout.write(JSON.stringify({ p50: at(50), p90: at(90), p99: at(99), max: times[times.length - 1]! }));
