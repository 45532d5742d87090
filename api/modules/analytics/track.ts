// POST /api/analytics/track: a client's batch of events into the append-only store, with the
// client's event ids as the duplicate check, anonymous devices linked to the trader who signs in on
// them, and events the figures could not honestly use quarantined with the reason.
//
// It is the busiest write a frontend makes, so the common batch (signed in, every event good) is
// one plain multi-row INSERT, as cheap to plan as a bare insert: what the checks need to know is
// kept in this process where it can never go stale. Groups are never deleted and never change
// product, so a group once seen exists, with that product, for good; a device is linked once, to
// the first trader who signs in on it, for good. (A
// backup restored underneath a running process is the exception: events naming a group it took away
// are kept, and count with no product or market.)
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Queryable } from '../../db/client.ts';
import { badRequest } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';

type TrackEvent = Body<'trackEvents'>['events'][number];
type Rows<T> = { rows: T[] };

/** Clocks drift; an event this far ahead of ours is a broken clock, not the future. */
const maxAheadMs = 5 * 60_000;
const cacheLimit = 100_000;

/** Bounded memo: past its size the oldest half goes (they are re-read if asked for again). */
class Memo<V> {
  readonly #map = new Map<string, V>();
  get(key: string) {
    return this.#map.get(key);
  }
  set(key: string, value: V) {
    if (this.#map.size >= cacheLimit) for (const k of [...this.#map.keys()].slice(0, cacheLimit / 2)) this.#map.delete(k);
    this.#map.set(key, value);
  }
}

// Per database: tests run several apps (databases) in one process.
const groupProducts = new WeakMap<object, Memo<string>>();
const deviceOwners = new WeakMap<object, Memo<string>>();
const memoOf = <V>(map: WeakMap<object, Memo<V>>, ctx: AppContext) => {
  let m = map.get(ctx.database);
  if (!m) map.set(ctx.database, (m = new Memo<V>()));
  return m;
};

/** The fields an event carries beside its envelope, kept as its properties. */
function propertiesOf(e: TrackEvent): Record<string, unknown> {
  const { eventId: _id, type: _type, occurredAt: _at, groupId: _group, properties, ...fields } = e;
  return { ...(properties ?? {}), ...fields };
}

/** The product of each group that exists, by group id (an event names the group, reports slice by product). */
async function productsOf(ctx: AppContext, ids: string[]): Promise<Map<string, string>> {
  const memo = memoOf(groupProducts, ctx);
  const unknown = ids.filter((id) => !memo.get(id));
  if (unknown.length) {
    const found = (await ctx.db.execute(sql`select id, product_id from groups where id = any(${sql.param(unknown)}::uuid[])`)) as unknown as Rows<{
      id: string;
      product_id: string;
    }>;
    for (const g of found.rows) memo.set(g.id, g.product_id);
  }
  return new Map(ids.flatMap((id) => (memo.get(id) ? [[id, memo.get(id)!]] : [])));
}

/**
 * The trader a device's events belong to: the signed-in one (linking the device to them the first
 * time, and its anonymous past with it), or the one it was linked to; null for a device nobody
 * signed in on yet.
 */
async function ownerOf(ctx: AppContext, tx: Queryable, userId: string | undefined, deviceId: string | null): Promise<string | null> {
  if (!deviceId) return userId ?? null;
  const memo = memoOf(deviceOwners, ctx);
  const cached = memo.get(deviceId);
  if (cached) return userId ?? cached;
  const { rows } = (await tx.execute(
    userId
      ? sql`with link as (
          insert into analytics_devices (device_id, user_id) values (${deviceId}, ${userId}::uuid) on conflict (device_id) do nothing
          returning device_id, user_id
        ), relink as (
          update analytics_events e set user_id = link.user_id from link where e.device_id = link.device_id and e.user_id is null
        )
        select coalesce((select user_id from link), (select user_id from analytics_devices where device_id = ${deviceId})) as owner`
      : sql`select user_id as owner from analytics_devices where device_id = ${deviceId}`,
  )) as unknown as Rows<{ owner: string | null }>;
  const linked = rows[0]?.owner ?? null;
  if (linked) memo.set(deviceId, linked);
  return userId ?? linked;
}

export async function trackEvents(ctx: AppContext, userId: string | undefined, body: Body<'trackEvents'>, now = new Date()) {
  if (!userId && !body.deviceId) throw badRequest('body.deviceId', 'is required without a token (an anonymous device id the client keeps)');
  const deviceId = body.deviceId ?? null;
  const oldest = now.getTime() - ctx.config.analytics.maxLatenessDays * 86_400_000;
  const groups = await productsOf(ctx, [...new Set(body.events.flatMap((e) => (e.groupId ? [e.groupId] : [])))]);
  const quarantined: { eventId: string; reason: string; event: TrackEvent }[] = [];
  const valid: TrackEvent[] = [];
  for (const e of body.events) {
    const at = Date.parse(e.occurredAt);
    const reason =
      at > now.getTime() + maxAheadMs
        ? 'occurredAt is more than 5 minutes ahead of the server clock'
        : at < oldest
          ? `occurredAt is older than ANALYTICS_MAX_LATENESS_DAYS (${ctx.config.analytics.maxLatenessDays} days)`
          : e.groupId && !groups.has(e.groupId)
            ? 'groupId names no group'
            : null;
    if (reason) quarantined.push({ eventId: e.eventId, reason, event: e });
    else valid.push(e);
  }

  const store = async (db: Queryable) => {
    const owner = await ownerOf(ctx, db, userId, deviceId);
    let accepted = 0;
    if (valid.length) {
      const rows = JSON.stringify(
        valid.map((e) => ({
          id: e.eventId,
          type: e.type,
          group: e.groupId ?? null,
          product: e.groupId ? groups.get(e.groupId) : null,
          rec: e.recommendationId ?? null,
          props: propertiesOf(e),
          at: e.occurredAt,
        })),
      );
      const inserted = (await db.execute(sql`
        insert into analytics_events (event_id, source, type, user_id, device_id, group_id, product_id, recommendation_id, properties, occurred_at)
        select (x->>'id')::uuid, 'client', x->>'type', ${owner}::uuid, ${deviceId}::text, (x->>'group')::uuid, (x->>'product')::uuid,
          (x->>'rec')::uuid, x->'props', (x->>'at')::timestamptz
        from jsonb_array_elements(${rows}::jsonb) x
        on conflict (event_id) do nothing
        returning 1`)) as unknown as Rows<unknown>;
      accepted = inserted.rows.length;
    }
    if (quarantined.length) {
      const rows = JSON.stringify(quarantined.map((q) => ({ id: q.eventId, type: q.event.type, reason: q.reason, event: { ...q.event, userId: owner, deviceId }, at: q.event.occurredAt })));
      await db.execute(sql`
        insert into analytics_quarantine (event_id, type, reason, event, occurred_at)
        select (x->>'id')::uuid, x->>'type', x->>'reason', x->'event', (x->>'at')::timestamptz from jsonb_array_elements(${rows}::jsonb) x`);
    }
    return accepted;
  };
  // One statement needs no transaction; more (a device to link, events to quarantine) share one.
  const single = quarantined.length === 0 && (!deviceId || memoOf(deviceOwners, ctx).get(deviceId) !== undefined);
  const accepted = single ? await store(ctx.db) : await ctx.db.transaction((tx) => store(tx));
  return { accepted, duplicates: valid.length - accepted, quarantined: quarantined.map(({ eventId, reason }) => ({ eventId, reason })) };
}
