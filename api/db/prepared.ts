// Prepared statements for queries that run on every request of a hot route. The statement is built
// once per database handle (no query building per request) and, on PostgreSQL, parsed once per
// connection instead of on each call. PostgreSQL still plans a prepared statement again on each
// call while it expects a plan for the given values to beat its generic one; on the serving pool
// (Database.servingDb) it is told to keep the generic plan, because planning the recommendation
// context query took longer than executing it.

import type { Queryable } from './client.ts';

const statements = new WeakMap<Queryable, Map<string, unknown>>();

/** The statement `name` on `db`, built by `build` the first time it is asked for. */
export function prepared<T>(db: Queryable, name: string, build: (db: Queryable) => T): T {
  let byName = statements.get(db);
  if (!byName) statements.set(db, (byName = new Map()));
  let statement = byName.get(name) as T | undefined;
  if (statement === undefined) byName.set(name, (statement = build(db)));
  return statement;
}
