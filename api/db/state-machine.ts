import { and, eq, inArray, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { conflict } from '../errors.ts';
import type { Queryable } from './client.ts';

/** A table with a uuid `id` and a status enum column: what a lifecycle moves. */
type StatusTable = PgTable & { id: PgColumn; status: PgColumn };

/**
 * One lifecycle: its table of allowed moves (from → to → what causes the move) and the only
 * writes of its status column. Every status change goes through `move` / `moveAll`, which check
 * the table first and then update only rows still in the state the caller saw, so a move the
 * table does not list, or one raced by another writer, is a 409 naming the current state.
 */
export class StateMachine<S extends string, T extends StatusTable = StatusTable> {
  constructor(
    /** What the rows are called in messages ("contribution", "refund" ...). */
    readonly noun: string,
    readonly table: T,
    readonly moves: Record<S, Partial<Record<S, string>>>,
  ) {}

  get states(): S[] {
    return Object.keys(this.moves) as S[];
  }

  can(from: S, to: S): boolean {
    return this.moves[from]?.[to] !== undefined;
  }

  allowedFrom(from: S): S[] {
    return Object.keys(this.moves[from] ?? {}) as S[];
  }

  /** A 409 naming the current state and where it may go from there, unless the move is listed. */
  assert(from: S, to: S, detail?: string): void {
    if (this.can(from, to)) return;
    const options = this.allowedFrom(from);
    throw conflict(
      detail ??
        `Cannot move a ${this.noun} from ${from} to ${to}; from ${from} it can go to: ${options.join(', ') || 'nothing (final state)'}`,
      { currentState: from, allowedTransitions: options },
    );
  }

  /**
   * Moves one row from `from` to `to` (with any other columns in `set`) and returns it. The
   * update is conditional on the row still being `from`: if another writer moved it first, the
   * 409 names the state it is in now.
   */
  async move(tx: Queryable, id: string, from: S, to: S, set: Record<string, unknown> = {}): Promise<T['$inferSelect']> {
    this.assert(from, to);
    const t = this.table as StatusTable;
    const [row] = await tx
      .update(t)
      .set({ ...set, status: to } as never)
      .where(and(eq(t.id, id), eq(t.status, from)))
      .returning();
    if (row) return row as T['$inferSelect'];
    const [now] = await tx.select({ status: t.status }).from(t).where(eq(t.id, id));
    const current = (now?.status as S | undefined) ?? from;
    throw conflict(`The ${this.noun} is ${current} now, not ${from}; it was not moved to ${to}`, {
      currentState: current,
      allowedTransitions: this.allowedFrom(current),
    });
  }

  /** Moves every row matching `where` that is in one of `from` to `to`; returns the rows moved. */
  async moveAll(tx: Queryable, where: SQL | undefined, from: S[], to: S, set: Record<string, unknown> = {}): Promise<T['$inferSelect'][]> {
    for (const f of from) this.assert(f, to);
    const t = this.table as StatusTable;
    const rows = await tx
      .update(t)
      .set({ ...set, status: to } as never)
      .where(and(inArray(t.status, from), where))
      .returning();
    return rows as T['$inferSelect'][];
  }
}
