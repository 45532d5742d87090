import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import type { ContributionRow, GroupRow } from './views.ts';

export interface Reservation {
  groupId: string;
  traderId: string;
  pickupPointId: string;
  quantity: number;
  reservedUntil: Date;
  /** The recommendation the trader joined from, already checked (ml/events.ts attributeJoin). */
  recommendationId: string | null;
}

/**
 * Writes reservations locked groups have accepted, in ONE statement whatever groups they are of:
 * the contributions, each group's counter and the joins' analytics events. Nothing of the traders'
 * own rows is written, so two such statements sharing traders lock nothing in common but the index
 * entries they insert. `groupsById` holds every group named (locked by the caller).
 */
export async function writeReservations(tx: Tx, groupsById: ReadonlyMap<string, GroupRow>, accepted: Reservation[]): Promise<ContributionRow[]> {
  if (accepted.length === 0) return [];
  const of = (r: Reservation) => groupsById.get(r.groupId)!;
  const column = <T>(pick: (r: Reservation) => T) => sql.param(accepted.map(pick));
  const result = await tx.execute<Record<string, unknown>>(sql`
    with x as (
      select * from unnest(${column((r) => r.groupId)}::uuid[], ${column((r) => r.traderId)}::uuid[], ${column((r) => r.pickupPointId)}::uuid[],
        ${column((r) => r.quantity)}::int[], ${column((r) => r.reservedUntil.toISOString())}::timestamptz[], ${column((r) => r.recommendationId)}::uuid[],
        ${column((r) => of(r).unitPrice)}::int[], ${column((r) => of(r).currency)}::text[], ${column((r) => of(r).productId)}::uuid[])
        as x(grp, trader, point, quantity, until, recommendation, price, currency, product)
    ), c as (
      insert into contributions (group_id, trader_id, pickup_point_id, quantity, unit_price, currency, reserved_until, recommendation_id)
      select grp, trader, point, quantity, price, currency, until, recommendation from x
      returning *
    ), counter as (
      update groups set reserved_quantity = reserved_quantity + t.total, updated_at = now()
      from (select grp, sum(quantity)::int as total from x group by grp) t where groups.id = t.grp
    ), joined as (
      -- The server's analytics event of each join (api/modules/analytics), in the same statement.
      -- A join made from a recommendation carries its id: the A/B report's and the ETL's joined count.
      insert into analytics_events (event_id, source, type, user_id, group_id, product_id, recommendation_id, properties, occurred_at)
      select gen_random_uuid(), 'server', 'join', c.trader_id, c.group_id, p.product, c.recommendation_id,
        jsonb_build_object('contributionId', c.id, 'quantity', c.quantity, 'pickupPointId', c.pickup_point_id, 'recommendationId', c.recommendation_id),
        c.created_at
      from c join (select distinct grp, product from x) p on p.grp = c.group_id
    )
    select * from c`);
  const rows = (result as unknown as { rows: Record<string, unknown>[] }).rows.map(contributionOf);
  // In the order given (RETURNING does not promise one); a trader holds one open contribution per group.
  const byStake = new Map(rows.map((c) => [`${c.groupId}:${c.traderId}`, c]));
  return accepted.map((r) => byStake.get(`${r.groupId}:${r.traderId}`)!);
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** A contributions row as a raw statement returns it (snake_case, timestamps as text). */
export function contributionOf(r: Record<string, unknown>): ContributionRow {
  return {
    id: r.id as string,
    groupId: r.group_id as string,
    traderId: r.trader_id as string,
    pickupPointId: r.pickup_point_id as string,
    quantity: Number(r.quantity),
    unitPrice: Number(r.unit_price),
    currency: r.currency as ContributionRow['currency'],
    status: r.status as ContributionRow['status'],
    reservedUntil: date(r.reserved_until),
    paidAt: date(r.paid_at),
    recommendationId: (r.recommendation_id as string | null) ?? null,
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}
