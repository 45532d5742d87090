import { eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { contributions, groupPickupPoints, groups, pickupPoints } from '../../db/schema.ts';
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
  resolve: (row: ContributionRow) => void;
  reject: (err: unknown) => void;
}

/** At most this many joins share one transaction. */
const maxBatch = 100;
const queues = new WeakMap<Db, Map<string, Waiting[]>>();

/**
 * Joins a group in a transaction shared with the other joins of the same group waiting meanwhile.
 * A popular group's joins queue on its row anyway, and a transaction holds that row until its
 * commit is flushed to disk (1-2.5 ms on this project's CI machine, whatever the transaction
 * did): one join per transaction, that flush was all a group could take, a few hundred joins a
 * second. A batch locks the row once, decides each join in the order they came against the
 * counter as the ones before left it (each refused with its own reason), writes the accepted ones
 * in one statement and commits once. A join that finds its group idle goes at once, alone; those
 * arriving meanwhile wait for it and go together in the next.
 *
 * If a batch fails as a whole (a trader in it joining the same group from another API process at
 * the same moment hits the unique index, say), its joins are tried again one at a time.
 */
export function joinInTurn(db: Db, request: JoinRequest, rules: JoinRules): Promise<ContributionRow> {
  let byGroup = queues.get(db);
  if (!byGroup) queues.set(db, (byGroup = new Map()));
  const groups = byGroup;
  return new Promise((resolve, reject) => {
    const queue = groups.get(request.groupId);
    if (queue) return void queue.push({ request, resolve, reject });
    const fresh: Waiting[] = [{ request, resolve, reject }];
    groups.set(request.groupId, fresh);
    void drain(db, groups, request.groupId, fresh, rules);
  });
}

async function drain(db: Db, groups: Map<string, Waiting[]>, groupId: string, queue: Waiting[], rules: JoinRules): Promise<void> {
  while (queue.length > 0) {
    const batch = takeBatch(queue);
    try {
      await runBatch(db, groupId, batch, rules);
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else for (const w of batch) await runBatch(db, groupId, [w], rules).catch(w.reject);
    }
  }
  groups.delete(groupId);
}

/** The next batch: a trader's second join of the group waits for the next one (it will see the first). */
function takeBatch(queue: Waiting[]): Waiting[] {
  const batch: Waiting[] = [];
  const traders = new Set<string>();
  for (let i = 0; i < queue.length && batch.length < maxBatch; ) {
    const w = queue[i]!;
    if (traders.has(w.request.traderId)) i++;
    else {
      traders.add(w.request.traderId);
      batch.push(w);
      queue.splice(i, 1);
    }
  }
  return batch;
}

async function runBatch(db: Db, groupId: string, batch: Waiting[], rules: JoinRules): Promise<void> {
  const outcomes = await db.transaction(async (tx) => {
    const { g, points, held } = await lockForBatch(tx, groupId, batch.map((w) => w.request.traderId));
    const existing = new Map(held.map((c) => [c.traderId, c]));
    if (g.status === 'draft') throw notFound(`Group ${groupId}`);
    const decided: (Reservation | HttpProblem)[] = [];
    for (const { request } of batch) {
      const problem = rules.refusal(g, points, existing.get(request.traderId), request);
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
    const rows = await writeReservations(tx, g, accepted);
    // One progress event per batch, not per join: subscribers want the counter, not each step to it.
    if (rows.length > 0) await recordGroupEvent(tx, 'group.progress', groupId);
    return decided.map((d) => (d instanceof Error ? d : rows[accepted.indexOf(d)]!));
  });
  outcomes.forEach((o, i) => (o instanceof Error ? batch[i]!.reject(o) : batch[i]!.resolve(o)));
}

/**
 * The group locked, with its pickup points (by name) and the batch's traders' open contributions in
 * it, in one round trip: a batch's statements are its cost, and on ten busy groups at once a batch
 * holds two or three joins. The points and contributions are read in the statement's snapshot, taken
 * before the lock is granted: points do not change once a group is open, and a contribution created
 * meanwhile elsewhere fails the write on the unique index (the batch is then retried one by one).
 */
async function lockForBatch(tx: Tx, groupId: string, traderIds: string[]) {
  const [row] = await tx
    .select({
      group: groups,
      // JSON, not arrays: both drivers hand JSON back parsed.
      points: sql<string[]>`coalesce((select json_agg(gpp.pickup_point_id order by pp.name) from ${groupPickupPoints} gpp
        join ${pickupPoints} pp on pp.id = gpp.pickup_point_id where gpp.group_id = ${groupId}::uuid), '[]'::json)`,
      held: sql<Record<string, unknown>[]>`coalesce((select json_agg(c) from ${contributions} c where c.group_id = ${groupId}::uuid
        and c.trader_id = any(${sql.param(traderIds)}::uuid[]) and c.status in (${sql.raw(openContributionStatuses.map((st) => `'${st}'`).join(', '))})), '[]'::json)`,
    })
    .from(groups)
    .where(eq(groups.id, groupId))
    .for('update', { of: groups });
  if (!row) throw notFound(`Group ${groupId}`);
  const parsed = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return { g: row.group, points: parsed(row.points), held: parsed(row.held).map(contributionOf) };
}
