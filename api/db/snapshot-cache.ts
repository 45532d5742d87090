// Results of read statements kept with the database snapshot they were read in, and served again
// only while the database's current snapshot is that same one.
//
// A snapshot (pg_current_snapshot(): xmin, xmax and the transactions in progress) names exactly
// which transactions' work a reader sees. While no transaction commits or aborts, every new
// snapshot is the same text; once one does, xmax moves or the in-progress list shrinks. So a
// result read in snapshot S is exactly what the same statement would return now, for as long as
// the current snapshot is still S: nothing served from here is older than what a fresh read would
// see. The statements cached read table data alone (no now(), no sequences), and a statement run
// by a transaction that has written anything reports no snapshot (its own uncommitted rows must
// never reach anyone else), so its result is not kept.
//
// The price of a hit is one small statement that reads the current snapshot (with whatever else
// the request needs of its own, e.g. the viewer's contributions); a write anywhere in the database
// turns the next read of each entry into a miss.

import { sql } from 'drizzle-orm';
import type { Queryable } from './client.ts';

/** The snapshot a statement reads in, as text; null inside a transaction that has written. */
export const snapshotColumn = sql<string | null>`case when pg_current_xact_id_if_assigned() is null then pg_current_snapshot()::text end`;

export class SnapshotCache<V> {
  private readonly entries = new Map<string, { snapshot: string; value: V }>();
  /** Reads served from here, and reads that found nothing current (the metrics expose both). */
  hits = 0;
  misses = 0;

  constructor(private readonly maxEntries: number) {}

  /**
   * What is kept under `key` and the snapshot it was read in, whatever that was: the caller reads
   * the current snapshot (with what else it needs of the kept value, e.g. the viewer's share of
   * its groups) and serves the value only if `isCurrent`.
   */
  peek(key: string): { snapshot: string; value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      // Most recently used last: the first entry is the one evicted.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** Whether `entry` was read in `snapshot`, the current one (counted as a hit or a miss). */
  isCurrent(entry: { snapshot: string } | undefined, snapshot: string | null): boolean {
    const current = entry !== undefined && snapshot !== null && entry.snapshot === snapshot;
    if (current) this.hits += 1;
    else this.misses += 1;
    return current;
  }

  /** Keeps `value`, read in `snapshot` (nothing is kept without one). */
  set(key: string, snapshot: string | null, value: V): void {
    if (snapshot === null) return;
    this.entries.delete(key);
    this.entries.set(key, { snapshot, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

const caches = new WeakMap<Queryable, Map<string, SnapshotCache<unknown>>>();

/**
 * Turns caching on for `db` (openDatabase does, unless READ_CACHE=false): without it
 * snapshotCache returns undefined and every read goes to the database.
 */
export function enableSnapshotCaches(db: Queryable): void {
  if (!caches.has(db)) caches.set(db, new Map());
}

/** The cache `name` of `db` (created on first use), or undefined when `db` has caching off. */
export function snapshotCache<V>(db: Queryable, name: string, maxEntries: number): SnapshotCache<V> | undefined {
  const byName = caches.get(db);
  if (!byName) return undefined;
  let cache = byName.get(name);
  if (!cache) byName.set(name, (cache = new SnapshotCache(maxEntries)));
  return cache as SnapshotCache<V>;
}

/** Hits and misses of all of `db`'s caches since it was opened (zeros when caching is off). */
export function snapshotCacheCounts(db: Queryable): { hits: number; misses: number } {
  let hits = 0;
  let misses = 0;
  for (const cache of caches.get(db)?.values() ?? []) {
    hits += cache.hits;
    misses += cache.misses;
  }
  return { hits, misses };
}
