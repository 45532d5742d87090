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
 * Writes reservations a locked group has accepted, in ONE statement: the contributions, the
 * group's counter and the joins' analytics events. Nothing of the traders' own rows is written,
 * so two such statements (of two groups) sharing traders lock nothing in common but the index
 * entries they insert.
 */
export async function writeReservations(tx: Tx, g: GroupRow, accepted: Reservation[]): Promise<ContributionRow[]> {
  if (accepted.length === 0) return [];
  const traders = accepted.map((r) => r.traderId);
  const total = accepted.reduce((sum, r) => sum + r.quantity, 0);
  const result = await tx.execute<Record<string, unknown>>(sql`
    with c as (
      insert into contributions (group_id, trader_id, pickup_point_id, quantity, unit_price, currency, reserved_until, recommendation_id)
      select ${g.id}::uuid, x.trader, x.point, x.quantity, ${g.unitPrice}::int, ${g.currency}::text, x.until, x.recommendation
      from unnest(${sql.param(traders)}::uuid[], ${sql.param(accepted.map((r) => r.pickupPointId))}::uuid[],
        ${sql.param(accepted.map((r) => r.quantity))}::int[], ${sql.param(accepted.map((r) => r.reservedUntil.toISOString()))}::timestamptz[],
        ${sql.param(accepted.map((r) => r.recommendationId))}::uuid[]) as x(trader, point, quantity, until, recommendation)
      returning *
    ), counter as (
      update groups set reserved_quantity = reserved_quantity + ${total}::int, updated_at = now() where id = ${g.id}::uuid
    ), joined as (
      -- The server's analytics event of each join (api/modules/analytics), in the same statement.
      -- A join made from a recommendation carries its id: the A/B report's and the ETL's joined count.
      insert into analytics_events (event_id, source, type, user_id, group_id, product_id, recommendation_id, properties, occurred_at)
      select gen_random_uuid(), 'server', 'join', c.trader_id, c.group_id, ${g.productId}::uuid, c.recommendation_id,
        jsonb_build_object('contributionId', c.id, 'quantity', c.quantity, 'pickupPointId', c.pickup_point_id, 'recommendationId', c.recommendation_id),
        c.created_at
      from c
    )
    select * from c`);
  const rows = (result as unknown as { rows: Record<string, unknown>[] }).rows.map(contributionOf);
  // In the order given (RETURNING does not promise one).
  const byTrader = new Map(rows.map((c) => [c.traderId, c]));
  return accepted.map((r) => byTrader.get(r.traderId)!);
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
