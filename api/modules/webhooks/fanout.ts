import { sql } from 'drizzle-orm';
import { webhookEvent } from '../../../sdk/src/signed-events.ts';
import type { Db } from '../../db/client.ts';
import { webhookDeliveries } from '../../db/schema.ts';
import { wants } from './endpoints.ts';

const cursorName = 'fanout';
/** Typing indicators are for the open sockets of the moment, not for anyone's server. */
const neverDelivered = ['chat.typing'];

type Rows<T> = { rows: T[] };

/**
 * Turns new domain events into deliveries, one per event and endpoint that wants it. "New" is by
 * writing transaction, not by id: ids come from a sequence, and a transaction holding a lower id
 * can commit after one with a higher id was read, which an id cursor would skip for ever. Every
 * transaction older than the snapshot's xmin has finished, so the events of
 * [horizon, xmin) are all there is of them; later ones wait for the next run. The cursor row is
 * locked while the window is read and the deliveries written, so concurrent runs (several
 * processes) take turns, and the horizon moves in the same commit as the deliveries it covers.
 */
export async function fanOutEvents(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`insert into webhook_cursor (name, horizon) values (${cursorName}, '0'::xid8) on conflict do nothing`);
    const [cursor] = ((await tx.execute(sql`select horizon::text as horizon from webhook_cursor where name = ${cursorName} for update`)) as unknown as Rows<{ horizon: string }>).rows;
    const [snap] = ((await tx.execute(sql`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin`)) as unknown as Rows<{ xmin: string }>).rows;
    const { rows: events } = (await tx.execute(sql`
      select e.id::bigint as id, e.type, e.supplier_id as "supplierId", e.data, e.created_at as "createdAt",
        coalesce(json_agg(json_build_object('id', ep.id, 'events', ep.events)) filter (where ep.id is not null), '[]') as endpoints
      from domain_events e
      join webhook_endpoints ep on ep.enabled and (ep.supplier_id is null or ep.supplier_id = e.supplier_id) and ep.created_at <= e.created_at
      where e.tx >= ${cursor!.horizon}::xid8 and e.tx < ${snap!.xmin}::xid8 and e.type <> all(${`{${neverDelivered.join(',')}}`}::text[])
      group by e.id
      order by e.id`)) as unknown as Rows<{ id: string | number; type: string; supplierId: string | null; data: Record<string, unknown>; createdAt: string | Date; endpoints: { id: string; events: string[] }[] }>;
    const deliveries = events.flatMap((e) => {
      const payload = webhookEvent({ id: Number(e.id), type: e.type, supplierId: e.supplierId, data: e.data, createdAt: new Date(e.createdAt).toISOString() });
      return e.endpoints.filter((ep) => wants(ep.events, e.type)).map((ep) => ({ endpointId: ep.id, eventId: Number(e.id), eventType: e.type, payload: payload as unknown as Record<string, unknown> }));
    });
    for (let i = 0; i < deliveries.length; i += 500) await tx.insert(webhookDeliveries).values(deliveries.slice(i, i + 500));
    await tx.execute(sql`update webhook_cursor set horizon = ${snap!.xmin}::xid8, updated_at = now() where name = ${cursorName}`);
    return deliveries.length;
  });
}
