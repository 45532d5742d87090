// `npm run bench`: the API next to a bare Fastify route measured in the same run, reported as
// ratios (absolute numbers depend on the machine; ratios travel). BENCH_ONLY=auth,groups,ml,nmf,ws,analytics picks
// sections; DATABASE_URL runs them on a PostgreSQL server (a fresh database each).
import { benchAnalytics } from './analytics.ts';
import { benchAuth } from './auth.ts';
import { benchGroups } from './groups.ts';
import { dropBenchDatabases, measure, startServer } from './lib.ts';
import { benchNmf } from './ml-nmf.ts';
import { benchRecommendations } from './ml.ts';
import { benchWsFanout } from './ws-fanout.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'auth,groups,ml,nmf,ws,analytics').split(','));
const bare = await startServer('bench/bare-server.ts', {}, 3901);
try {
  const baseline = await measure('bare Fastify GET /health', { url: `${bare.url}/health` });
  if (only.has('auth')) await benchAuth(baseline);
  if (only.has('groups')) await benchGroups(bare);
  if (only.has('ml')) await benchRecommendations(bare);
  if (only.has('nmf')) benchNmf();
  if (only.has('ws')) await benchWsFanout();
  if (only.has('analytics')) await benchAnalytics();
} finally {
  await bare.stop();
  await dropBenchDatabases();
}
