import { sql, type SQL } from 'drizzle-orm';
import { badRequest } from '../errors.ts';

// Keyset pagination: a page ends at the (sort key, id) of its last row, and the next page starts
// strictly after it. Stable under inserts, and no OFFSET scans.

export type CursorValue = string | number;

export function encodeCursor(key: CursorValue, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { key: CursorValue; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 2) throw new Error('shape');
    const [key, id] = parsed as [unknown, unknown];
    if ((typeof key !== 'string' && typeof key !== 'number') || typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) {
      throw new Error('shape');
    }
    return { key, id };
  } catch {
    throw badRequest('query.cursor', 'is not a cursor this API returned');
  }
}

export interface SortKey {
  /** The SQL expression rows are ordered by. */
  expr: SQL;
  /** What goes into the cursor, when not `expr` itself (e.g. a timestamp as text). */
  key?: SQL;
  /** Its SQL type, to cast the cursor's value back (e.g. timestamptz, int, float8). */
  type: 'timestamptz' | 'int' | 'float8';
  direction: 'asc' | 'desc';
}

/** The WHERE condition for "after this cursor" and the ORDER BY for a sort key. */
export function keyset(sort: SortKey, idColumn: SQL | unknown, cursor: string | undefined) {
  const id = idColumn as SQL;
  const order = sort.direction === 'asc' ? sql`${sort.expr} asc, ${id} asc` : sql`${sort.expr} desc, ${id} desc`;
  if (!cursor) return { where: undefined, order };
  const c = decodeCursor(cursor);
  return { where: after(sort, id, String(c.key), c.id), order };
}

/**
 * Rows strictly after (key, id) in the sort's order; key and id are values or placeholders (a
 * prepared statement binds them on each call).
 */
export function after(sort: SortKey, idColumn: SQL | unknown, key: unknown, id: unknown): SQL {
  const value = sql`${key}::${sql.raw(sort.type)}`;
  return sort.direction === 'asc'
    ? sql`(${sort.expr}, ${idColumn}) > (${value}, ${id}::uuid)`
    : sql`(${sort.expr}, ${idColumn}) < (${value}, ${id}::uuid)`;
}

/** Splits the extra row fetched to learn whether there is a next page. */
export function page<T>(rows: T[], limit: number, cursorOf: (row: T) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}
