import { sql, type SQL } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';

export interface DomainEvent {
  /** Dotted name, e.g. order.created, quote.requested, invoice.issued, payout.paid, supplier.verified. */
  type: string;
  /** The organisation the event belongs to (its webhooks receive it); omit for platform-wide events. */
  supplierId?: string | null;
  groupId?: string | null;
  userId?: string | null;
  data: Record<string, unknown>;
}

/**
 * The NOTIFY channel every API process LISTENs on (api/modules/realtime/listener.ts). A payload is
 * the whole event as JSON when it fits NOTIFY's limit (under 8000 bytes), else `{"id": n}` and the
 * listener reads the row.
 */
export const eventsChannel = 'cs_domain_events';

/**
 * The analytics event type a domain event is mirrored as (null: not mirrored). A group closes once:
 * when it is funded, or when it expires or is cancelled while still open (a funded group cancelled
 * later, or a draft cancelled, closes no second time and no first).
 */
const analyticsType = sql.raw(`case e.type
  when 'payment.confirmed' then 'payment_success'
  when 'payment.failed' then 'payment_failed'
  when 'pass.issued' then 'pass_issued'
  when 'pass.redeemed' then 'pickup'
  when 'refund.issued' then 'refund'
  when 'group.status' then case when e.data->>'to' = 'funded' or (e.data->>'from' = 'open' and e.data->>'to' in ('expired', 'cancelled')) then 'group_closed' end
end`);

/**
 * Inserts the rows `rows` (a SELECT of type, supplier_id, group_id, user_id, data) and, in the same
 * statement, NOTIFYs each one. NOTIFY is transactional: listeners hear of the event when the change
 * commits, never for a rolled back one, and in commit order. One round trip, whatever it records.
 */
function insertAndNotify(rows: SQL): SQL {
  return sql`
    with e as (
      insert into domain_events (type, supplier_id, group_id, user_id, data)
      ${rows}
      returning id, type, supplier_id, group_id, user_id, data, created_at
    ), analytics as (
      -- The server's own analytics events, in the same statement: payments, passes, pickups,
      -- refunds and group outcomes count from what happened, never from what a client reports.
      insert into analytics_events (event_id, source, type, user_id, group_id, properties, occurred_at)
      select gen_random_uuid(), 'server', m.type, e.user_id, e.group_id, e.data, e.created_at
      from e cross join lateral (select ${analyticsType} as type) m
      where m.type is not null
    ), j as (
      select id, json_build_object('id', id, 'type', type, 'supplierId', supplier_id, 'groupId', group_id,
        'userId', user_id, 'data', data, 'createdAt', created_at)::text as body
      from e
    )
    select pg_notify(${eventsChannel}, case when octet_length(body) < 8000 then body else json_build_object('id', id)::text end) from j`;
}

/**
 * Records what happened, inside the caller's transaction: the event exists exactly when the change
 * it describes committed. Outbound webhooks and real-time subscribers read this one feed.
 */
export async function recordEvent(tx: Queryable, event: DomainEvent): Promise<void> {
  await recordEvents(tx, [event]);
}

/** The same for many events of one change, a thousand per statement. */
export async function recordEvents(tx: Queryable, events: DomainEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    const json = JSON.stringify(
      events.slice(i, i + 1000).map((e) => ({ type: e.type, supplier_id: e.supplierId ?? null, group_id: e.groupId ?? null, user_id: e.userId ?? null, data: e.data })),
    );
    await tx.execute(
      insertAndNotify(sql`select x.e->>'type', (x.e->>'supplier_id')::uuid, (x.e->>'group_id')::uuid, (x.e->>'user_id')::uuid, x.e->'data'
        from jsonb_array_elements(${json}::jsonb) with ordinality as x(e, n) order by x.n`),
    );
  }
}

/**
 * A group event (group.progress, group.status) whose data is the group's row as this transaction
 * sees it (counts after the change), with its supplier organisation from its product, built by the
 * database in the one statement that records it: no read before, nothing to keep in step.
 */
export async function recordGroupEvent(
  tx: Queryable,
  type: 'group.progress' | 'group.status',
  groupId: string | readonly string[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  // Several groups (a batch of joins across groups): one event each, in one statement.
  const ids = typeof groupId === 'string' ? [groupId] : [...groupId];
  await tx.execute(
    insertAndNotify(sql`select ${type}::text, p.supplier_id, g.id, null::uuid,
        jsonb_build_object('groupId', g.id, 'status', g.status, 'moq', g.moq, 'maxQuantity', g.max_quantity,
          'reservedQuantity', g.reserved_quantity, 'paidQuantity', g.paid_quantity) || ${JSON.stringify(extra)}::jsonb
      from groups g join products p on p.id = g.product_id where g.id = any(${sql.param(ids)}::uuid[]) order by g.id`),
  );
}

/**
 * Job (prune-domain-events): deletes events older than EVENTS_RETENTION_HOURS, a batch at a time
 * so no statement holds many rows. Resuming a real-time subscription reaches back this far; a
 * client that was away longer is told to resync (api/modules/realtime/connection.ts).
 */
export async function pruneDomainEvents(db: Queryable, retentionHours: number): Promise<number> {
  let pruned = 0;
  for (;;) {
    const result = await db.execute(sql`
      delete from domain_events where id in (
        select id from domain_events where created_at < now() - make_interval(secs => ${retentionHours * 3600}) order by id limit 5000)`);
    const n = Number((result as unknown as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0);
    pruned += n;
    if (n < 5000) return pruned;
  }
}
