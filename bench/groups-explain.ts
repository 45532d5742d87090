// EXPLAIN (ANALYZE, BUFFERS) of the statements the browsing scenarios run: each page of
// GET /api/groups and one group's page, with the values the API binds for the scenario's query,
// taken from the API's own statements (listGroupsStatement, groupViewStatement), so what is
// explained is what is measured. BENCH_EXPLAIN=true prints them at each data size.
import { eq, fillPlaceholders, type Placeholder } from 'drizzle-orm';
import type { Database } from '../api/db/client.ts';
import { users } from '../api/db/schema.ts';
import { groupViewStatement, listGroupsStatement, type GroupQuery } from '../api/modules/groups/service.ts';

interface Scenario {
  name: string;
  path: string;
}

/** drizzle's prepared statements (node-postgres and PGlite alike) keep their SQL and parameters. */
type Explainable = { getQuery(): { sql: string; params: unknown[] } };
type RawClient = { query(text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };

const numeric = new Set(['limit', 'minPrice', 'maxPrice', 'minProgress']);

/** The query GET /api/groups gets for a scenario's path, with the spec's defaults. */
function queryOf(search: URLSearchParams): GroupQuery {
  const query: Record<string, unknown> = { limit: 20, sort: 'deadline' };
  for (const [k, v] of search) query[k] = numeric.has(k) ? Number(v) : v;
  return query as GroupQuery;
}

export async function explainBrowsing(database: Database, viewerEmail: string, scenarios: Scenario[]): Promise<void> {
  const [viewer] = await database.db.select({ id: users.id, email: users.email, name: users.name, role: users.role }).from(users).where(eq(users.email, viewerEmail));
  if (!viewer) throw new Error(`no user ${viewerEmail}`);
  const client = (database.db as unknown as { $client: RawClient }).$client;
  for (const s of scenarios) {
    const url = new URL(s.path, 'http://bench');
    const one = /^\/api\/groups\/([0-9a-f-]{36})$/.exec(url.pathname);
    const { statement, values } = one
      ? { statement: groupViewStatement(database.db), values: { id: one[1]! } }
      : listGroupsStatement(database.db, viewer, queryOf(url.searchParams));
    const { sql, params } = (statement as unknown as Explainable).getQuery();
    const bound = fillPlaceholders(params as Placeholder[], values);
    const { rows } = await client.query(`explain (analyze, buffers) ${sql}`, bound);
    console.log(`\n  EXPLAIN (ANALYZE, BUFFERS): ${s.name.trim()} (${s.path})`);
    for (const r of rows) console.log(`    ${String(Object.values(r)[0])}`);
  }
}
