import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { users } from '../db/schema.ts';
import { isUuid, turnBatch } from '../db/turn-batch.ts';

type UserRow = typeof users.$inferSelect;

/**
 * The auth hook's read of the signed-in user, on every request (never cached: deactivation and
 * role changes take effect at once). Requests in the same turn of the event loop share one
 * statement (db/turn-batch.ts).
 */
export function readUser(ctx: AppContext, id: string): Promise<UserRow | undefined> {
  // Only our own signed tokens get here, but one malformed id must not fail everyone's batch.
  if (!isUuid(id)) return Promise.resolve(undefined);
  return turnBatch(ctx, 'auth_users', async (ids) => {
    const statement = prepared(ctx.db, 'auth_users', (db) => db.select().from(users).where(sql`${users.id} = any(${sql.placeholder('ids')}::uuid[])`).prepare('auth_users'));
    const rows = await statement.execute({ ids });
    return new Map(rows.map((r) => [r.id, r]));
  }).load(id);
}
