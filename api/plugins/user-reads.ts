import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { users } from '../db/schema.ts';

type UserRow = typeof users.$inferSelect;

interface Batch {
  waiting: Map<string, { resolve: (row: UserRow | undefined) => void; reject: (err: unknown) => void }[]>;
}

const batches = new WeakMap<AppContext, Batch>();
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The auth hook's read of the signed-in user, on every request (never cached: deactivation and
 * role changes take effect at once). Requests that arrive in the same turn of the event loop share
 * one statement (`id = any($1)`) sent when that turn's I/O has been read: under load most of them
 * came in together, and the round trip to the database was most of what the hook cost. Each
 * request's read still starts after it arrived, so it sees every change committed before then.
 */
export function readUser(ctx: AppContext, id: string): Promise<UserRow | undefined> {
  // Only our own signed tokens get here, but one malformed id must not fail everyone's batch.
  if (!uuid.test(id)) return Promise.resolve(undefined);
  let batch = batches.get(ctx);
  if (!batch) batches.set(ctx, (batch = { waiting: new Map() }));
  const current = batch;
  return new Promise((resolve, reject) => {
    if (current.waiting.size === 0) setImmediate(() => void flush(ctx, current));
    const list = current.waiting.get(id);
    if (list) list.push({ resolve, reject });
    else current.waiting.set(id, [{ resolve, reject }]);
  });
}

async function flush(ctx: AppContext, batch: Batch): Promise<void> {
  const waiting = batch.waiting;
  batch.waiting = new Map();
  const ids = [...waiting.keys()];
  try {
    const statement = prepared(ctx.db, 'auth_users', (db) => db.select().from(users).where(sql`${users.id} = any(${sql.placeholder('ids')}::uuid[])`).prepare('auth_users'));
    const rows = await statement.execute({ ids });
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [id, list] of waiting) for (const w of list) w.resolve(byId.get(id));
  } catch (err) {
    for (const list of waiting.values()) for (const w of list) w.reject(err);
  }
}
