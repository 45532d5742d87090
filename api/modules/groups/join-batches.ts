import { sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { contributions, groups } from '../../db/schema.ts';
import { notFound, type HttpProblem } from '../../errors.ts';
import { recordGroupEvent } from '../events/domain-events.ts';
import { contributionOf, writeReservations, type Reservation } from './reserve.ts';
import { openContributionStatuses, type ContributionRow, type GroupRow } from './views.ts';

export interface JoinRequest {
  groupId: string;
  traderId: string;
  /** Unset: the group's first pickup point by name. */
  pickupPointId: string | undefined;
  quantity: number;
  reservedUntil: Date;
  recommendationId: string | undefined;
}

/** What joins.ts decides about each request, the group locked. */
export interface JoinRules {
  /** Why the group refuses the request (`existing`: the trader's open contribution), or null. */
  refusal(g: GroupRow, points: string[], existing: ContributionRow | undefined, request: JoinRequest): HttpProblem | null;
  /** The recommendation id to keep with the contribution, if it was shown to this trader for this group (its join event carries it). */
  attribute(tx: Tx, g: GroupRow, request: JoinRequest): Promise<string | null>;
}

interface Waiting {
  request: JoinRequest;
  rules: JoinRules;
  resolve: (row: ContributionRow) => void;
  reject: (err: unknown) => void;
}

/** What one API process has waiting and running against one database. */
interface Queue {
  waiting: Waiting[];
  /** Groups a running batch holds: their next joins wait for it (they will see what it took). */
  busy: Set<string>;
  running: number;
}

/** At most this many joins share one transaction. */
const maxBatch = 100;
/**
 * Batches one process runs at once. A few, not one: a batch waiting on a group another process has
 * locked (a payment confirming, say) does not hold up every other group's joins.
 */
const maxRunning = 3;
const queues = new WeakMap<Db, Queue>();

/**
 * Joins a group in a transaction shared with the other joins waiting meanwhile, of that group and
 * of others. A popular group's joins queue on its row anyway, and a transaction holds that row
 * until its commit is flushed to disk (1-2.5 ms on this project's CI machine, whatever the
 * transaction did): one join per transaction, that flush was all a group could take, a few hundred
 * joins a second. And every transaction costs its round trips (BEGIN, the locked read, the write,
 * the progress event, COMMIT), which is most of a join's CPU when ten busy groups each batch two or
 * three joins. So a batch takes whatever is waiting, across groups: it locks its groups in one
 * statement (in id order, so batches of other processes queue instead of deadlocking), decides each
 * join in the order they came against its group's counter as the ones before left it (each refused
 * with its own reason), writes the accepted ones in one statement and commits once. A join that
 * finds nothing running goes at once, alone; those arriving meanwhile go together in the next.
 *
 * If a batch fails as a whole (a trader in it joining the same group from another API process at
 * the same moment hits the unique index, say), its joins are tried again one at a time.
 */
export function joinInTurn(db: Db, request: JoinRequest, rules: JoinRules): Promise<ContributionRow> {
  let queue = queues.get(db);
  if (!queue) queues.set(db, (queue = { waiting: [], busy: new Set(), running: 0 }));
  const q = queue;
  return new Promise((resolve, reject) => {
    q.waiting.push({ request, rules, resolve, reject });
    pump(db, q);
  });
}

/** Starts batches while there is room and something to take. */
function pump(db: Db, q: Queue): void {
  while (q.running < maxRunning) {
    const batch = takeBatch(q);
    if (batch.length === 0) return;
    const held = new Set(batch.map((w) => w.request.groupId));
    for (const id of held) q.busy.add(id);
    q.running += 1;
    void runOrRetry(db, batch).finally(() => {
      for (const id of held) q.busy.delete(id);
      q.running -= 1;
      pump(db, q);
    });
  }
}

/**
 * The next batch, in arrival order: joins of groups no running batch holds, with the rules of the
 * first. A trader's second join of a group waits for the next batch (it will see the first).
 */
function takeBatch(q: Queue): Waiting[] {
  const batch: Waiting[] = [];
  const kept: Waiting[] = [];
  const stakes = new Set<string>();
  for (const w of q.waiting) {
    const stake = `${w.request.groupId}:${w.request.traderId}`;
    if (batch.length < maxBatch && !q.busy.has(w.request.groupId) && !stakes.has(stake) && w.rules === (batch[0]?.rules ?? w.rules)) {
      stakes.add(stake);
      batch.push(w);
    } else kept.push(w);
  }
  q.waiting = kept;
  return batch;
}

async function runOrRetry(db: Db, batch: Waiting[]): Promise<void> {
  try {
    await runBatch(db, batch);
  } catch (err) {
    if (batch.length === 1) batch[0]!.reject(err);
    else for (const w of batch) await runBatch(db, [w]).catch(w.reject);
  }
}

async function runBatch(db: Db, batch: Waiting[]): Promise<void> {
  const rules = batch[0]!.rules;
  const outcomes = await db.transaction(async (tx) => {
    const locked = await lockForBatch(
      tx,
      [...new Set(batch.map((w) => w.request.groupId))],
      [...new Set(batch.map((w) => w.request.traderId))],
    );
    const decided: (Reservation | HttpProblem)[] = [];
    for (const { request } of batch) {
      const entry = locked.get(request.groupId);
      if (!entry || entry.g.status === 'draft') {
        decided.push(notFound(`Group ${request.groupId}`));
        continue;
      }
      const { g, points, held } = entry;
      const problem = rules.refusal(g, points, held.get(request.traderId), request);
      if (problem) {
        decided.push(problem);
        continue;
      }
      const recommendationId = request.recommendationId ? await rules.attribute(tx, g, request) : null;
      decided.push({ ...request, pickupPointId: request.pickupPointId ?? points[0]!, recommendationId });
      // The next request sees what this one took.
      g.reservedQuantity += request.quantity;
    }
    const accepted = decided.filter((d): d is Reservation => !(d instanceof Error));
    const rows = await writeReservations(tx, new Map([...locked].map(([id, e]) => [id, e.g])), accepted);
    // One progress event per group and batch, not per join: subscribers want the counter, not each step to it.
    if (rows.length > 0) await recordGroupEvent(tx, 'group.progress', [...new Set(accepted.map((r) => r.groupId))]);
    return decided.map((d) => (d instanceof Error ? d : rows[accepted.indexOf(d)]!));
  });
  outcomes.forEach((o, i) => (o instanceof Error ? batch[i]!.reject(o) : batch[i]!.resolve(o)));
}

/**
 * The batch's groups locked (in id order), each with its pickup points (on the row, by name) and
 * the batch's traders' open contributions in it, in one round trip: a batch's statements are its
 * cost. The contributions are read in the statement's snapshot, taken before the locks are
 * granted: a contribution created meanwhile elsewhere fails the write on the unique index (the
 * batch is then retried one by one).
 */
async function lockForBatch(tx: Tx, groupIds: string[], traderIds: string[]) {
  // Qualified by hand: inside a raw subquery Drizzle would render the outer column as a bare "id".
  const outer = sql.raw('"groups"."id"');
  const rows = await tx
    .select({
      group: groups,
      // JSON, not arrays: both drivers hand JSON back parsed.
      held: sql<Record<string, unknown>[]>`coalesce((select json_agg(c) from ${contributions} c where c.group_id = ${outer}
        and c.trader_id = any(${sql.param(traderIds)}::uuid[]) and c.status in (${sql.raw(openContributionStatuses.map((st) => `'${st}'`).join(', '))})), '[]'::json)`,
    })
    .from(groups)
    .where(sql`${outer} = any(${sql.param(groupIds)}::uuid[])`)
    .orderBy(groups.id)
    .for('update', { of: groups });
  const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return new Map(
    rows.map((row) => {
      const held = parsed(row.held).map(contributionOf);
      return [row.group.id, { g: row.group, points: row.group.pickupPoints.map((p) => p.id), held: new Map(held.map((c) => [c.traderId, c])) }];
    }),
  );
}
