import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpPglite, dumpPostgres, restorePglite, restorePostgres } from './dump.ts';
import { enableSnapshotCaches } from './snapshot-cache.ts';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** One type for both drivers: services never know which engine runs under them. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query surface as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

export const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface Database {
  db: Db;
  /**
   * The recommendation serving path, which every recommendation request takes: its per-request
   * read of the trader and its analytics events (impressions, views, clicks), never money, stock
   * or reservations. On PostgreSQL it is a pool of its own whose sessions run with
   * - synchronous_commit off: a commit is visible to every session as soon as it returns but does
   *   not wait for the WAL to reach the disk, so a crash can lose the last fraction of a second of
   *   events and nothing else (the flush was most of what writing the impressions cost);
   * - plan_cache_mode force_generic_plan: its statements are prepared (api/db/prepared.ts) and are
   *   then planned once per connection. Left to choose, PostgreSQL planned the trader read afresh
   *   on every call (a generic plan guesses a third of a trader's events are newer than the model,
   *   so it always looked dearer), and planning took longer than running it.
   * On PGlite it is `db`.
   */
  servingDb: Db;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for logs and readiness (never the password). */
  location: string;
  migrate(): Promise<void>;
  migrationStatus(): Promise<{ applied: number; pending: number }>;
  close(): Promise<void>;
  /** A consistent copy of the whole database in `file` (dump.ts: PGlite's dumpDataDir, or pg_dump). */
  dump(file: string): Promise<void>;
  /** Replaces the whole database's content with a `dump` of the same kind, all or nothing. */
  restore(file: string): Promise<void>;
  /**
   * Runs `fn` only if no other holder (in any process on this database) has the lock named `key`;
   * never waits for it. On PostgreSQL it is a session advisory lock (pg_try_advisory_lock of
   * hashtext(key)) on a pool connection of its own, held while `fn` runs on the others (so the
   * pool needs at least two), then unlocked.
   */
  withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>>;
  /**
   * Statements sent to PostgreSQL since it was opened (BEGIN and COMMIT included): each is one
   * round trip. The metrics expose it, so a bench can say how many a request takes. PGlite has
   * no round trips: always 0 there.
   */
  statementsSent(): number;
  /**
   * LISTENs on `channel`: `onPayload` gets each NOTIFY payload, once its transaction committed. On
   * PostgreSQL a dedicated connection (not a pool's) that reconnects with backoff when it breaks,
   * calling `onReconnect` once listening again, so the caller can read what it missed meanwhile.
   * On PGlite (one process), PGlite's own listen.
   */
  listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<Listening>;
}

export interface Listening {
  close(): Promise<void>;
}

export type LockResult<T> = { acquired: true; value: T } | { acquired: false };

export interface DatabaseOptions {
  /** A postgres:// URL; without it, PGlite is used. */
  databaseUrl?: string | undefined;
  /** Folder for PGlite's files; `memory://` keeps it in memory (tests). */
  pgliteDir?: string;
  poolSize?: number;
  /** Serve group views again while nothing has committed since they were read (snapshot-cache.ts); default true. */
  readCache?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.databaseUrl ? await openPostgres(options.databaseUrl, options.poolSize ?? 10) : await openPglite(options.pgliteDir ?? 'memory://');
  if (options.readCache !== false) enableSnapshotCaches(database.db);
  return database;
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const servingPool = new pg.Pool({ connectionString: url, max: 2, options: '-c synchronous_commit=off -c plan_cache_mode=force_generic_plan' });
  const servingDb = drizzlePg(servingPool, { schema }) as unknown as Db;
  let sent = 0;
  const count = (client: pg.PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: typeof query }).query = (...args) => {
      sent += 1;
      return query(...args);
    };
  };
  pool.on('connect', count);
  servingPool.on('connect', count);
  const u = new URL(url);
  return {
    db,
    servingDb,
    kind: 'postgres',
    location: `${u.hostname}:${u.port || 5432}${u.pathname}`,
    migrate: () => migratePg(db as never, { migrationsFolder }),
    migrationStatus: () => migrationStatus(db),
    statementsSent: () => sent,
    close: async () => {
      await Promise.all([pool.end(), servingPool.end()]);
    },
    listen: (channel, onPayload, onReconnect) => listenPostgres(url, channel, onPayload, onReconnect),
    dump: (file) => dumpPostgres(url, file),
    restore: (file) => restorePostgres(url, file),
    async withAdvisoryLock(key, fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock(hashtext($1)) as ok', [key]);
        if (!rows[0]?.ok) return { acquired: false };
        try {
          return { acquired: true, value: await fn() };
        } finally {
          await client.query('select pg_advisory_unlock(hashtext($1))', [key]).catch((err: Error) => (broken = err));
        }
      } finally {
        // A connection that could not unlock is destroyed, not pooled: closing the session frees the lock.
        client.release(broken);
      }
    },
  };
}

async function listenPostgres(url: string, channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<Listening> {
  let closed = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delayMs = 100;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (n) => {
      if (n.channel === channel) onPayload(n.payload ?? '');
    });
    // A broken connection ends; 'end' schedules the next one (an 'error' alone would throw).
    client.on('error', () => undefined);
    client.on('end', () => {
      if (current === client) current = undefined;
      if (!closed) schedule();
    });
    try {
      await client.connect();
      await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (closed) return void (await client.end().catch(() => undefined));
    current = client;
    delayMs = 100;
  };
  const schedule = () => {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        () => onReconnect?.(),
        () => {
          delayMs = Math.min(delayMs * 2, 5_000);
          schedule();
        },
      );
    }, delayMs);
  };
  await connect();
  return {
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      await current?.end().catch(() => undefined);
    },
  };
}

async function openPglite(dir: string): Promise<Database> {
  if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  const held = new Set<string>();
  return {
    db,
    servingDb: db,
    kind: 'pglite',
    location: dir,
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    migrationStatus: () => migrationStatus(db),
    statementsSent: () => 0,
    close: () => client.close(),
    listen: async (channel, onPayload) => {
      const unlisten = await client.listen(channel, onPayload);
      return { close: () => unlisten() };
    },
    dump: (file) => dumpPglite(client, file),
    restore: (file) => restorePglite(client, file),
    // PGlite is one session, and a session's advisory locks are re-entrant for itself, so
    // pg_try_advisory_lock would always succeed here. Only this process can open these files, so
    // a set of the keys held is the whole lock.
    async withAdvisoryLock(key, fn) {
      if (held.has(key)) return { acquired: false };
      held.add(key);
      try {
        return { acquired: true, value: await fn() };
      } finally {
        held.delete(key);
      }
    },
  };
}

async function migrationStatus(db: Db): Promise<{ applied: number; pending: number }> {
  const journal = JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  let applied = 0;
  try {
    const rows = await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    applied = Number((rows as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
  } catch {
    applied = 0; // the migrations table does not exist yet
  }
  return { applied, pending: Math.max(0, journal.entries.length - applied) };
}
